module github.com/gin-contrib/ginprom/e2e

go 1.25.0

require gopkg.in/yaml.v3 v3.0.1
