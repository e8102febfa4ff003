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
// To rotate the secret, accept both during the change (skippers add up):
//
//	ginprom.New(r, ginprom.WithSkipper(probe.Skip(oldSecret)), ginprom.WithSkipper(probe.Skip(newSecret)))
//
// then move the prober to the new secret, then drop the old one.
//
// Skip panics if secret is empty: an empty secret would be the value of a
// missing header, and a skipper that matched it would hide every request.
// It also panics if secret has a control character, such as the line break
// at the end of a secret read from a file, or white space at either end:
// a header never carries those as they are, so no request would match.
func Skip(secret string) func(*gin.Context) bool {
	if secret == "" {
		panic("probe: Skip: the secret is empty; pass the same non-empty secret as the prober's Target.Secret")
	}
	if !validSecret(secret) {
		panic("probe: Skip: the secret has a control character (such as a line break at its end, as read from a file) or white space at either end, which no header carries as it is, so no request would match; trim it, as strings.TrimSpace does, for the prober and the service alike")
	}
	want := []byte(secret)
	return func(c *gin.Context) bool {
		got := c.Request.Header.Get(SecretHeader)
		return got != "" && subtle.ConstantTimeCompare([]byte(got), want) == 1
	}
}
