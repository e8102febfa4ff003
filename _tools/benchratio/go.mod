module github.com/gin-contrib/ginprom/_tools/benchratio

go 1.25
