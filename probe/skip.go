package probe

import (
	"crypto/subtle"

	"github.com/gin-gonic/gin"
)

// Skip returns a skipper for ginprom.WithSkipper that reports true only for
// a request whose [SecretHeader] header holds exactly secret, the Secret of
// the probing [Target]: those requests are left out of every metric of the
// service, so that its own error rate and latency are its users' alone.
// Any other request is counted, whether it lacks the header, or sends it
// empty or with another value, so no client can hide its requests by
// sending the header. The comparison takes the same time wherever the
// values differ (crypto/subtle), so the secret cannot be guessed byte by
// byte from response times; only its length may show.
//
// To rotate the secret, accept both during the change:
//
//	old, next := probe.Skip(oldSecret), probe.Skip(newSecret)
//	ginprom.WithSkipper(func(c *gin.Context) bool { return old(c) || next(c) })
//
// then move the prober to the new secret, then drop the old one.
//
// Skip panics if secret is empty: an empty secret would be the value of a
// missing header, and a skipper that matched it would hide every request.
func Skip(secret string) func(*gin.Context) bool {
	if secret == "" {
		panic("probe: Skip: the secret is empty; pass the same non-empty secret as the prober's Target.Secret")
	}
	want := []byte(secret)
	return func(c *gin.Context) bool {
		got := c.Request.Header.Get(SecretHeader)
		return got != "" && subtle.ConstantTimeCompare([]byte(got), want) == 1
	}
}
