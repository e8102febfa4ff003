package ginprom

import "github.com/gin-contrib/ginprom/internal/canon"

// The values that come from clients take their canonical form in
// internal/canon: the method and status clamps, the repair and the cut of
// label values and error messages. The names here keep the root's code
// short; they add nothing.

// MaxValueLen is the most bytes a label value taken from a request may
// have. That covers the path under [GroupByPath] and what the functions of
// [GroupByFunc], of [LimitValues] and of [Labels] (of decorators and of
// [WithDefaultLabels]) return. Such a value is first repaired if it is not
// valid UTF-8 (each run of invalid bytes becomes U+FFFD); if it is then
// longer than MaxValueLen, it is cut between two runes and ends in
// [CutMark], which counts towards the limit. Values fixed at setup
// (static labels, route templates, handler names) are not cut.
//
// Without the cut, a bounded number of series could still hold unbounded
// bytes: fifty 1 MB tenant headers would make fifty series of 1 MB each,
// repeated on every bucket line of every scrape.
const MaxValueLen = canon.MaxValueLen

// CutMark ends every label value that was cut to [MaxValueLen] bytes: a
// value of more than MaxValueLen bytes is exposed as its first bytes, up to
// a UTF-8 boundary, followed by CutMark.
const CutMark = canon.CutMark

// clientValue is canon.Value: the exposed form of a label value from a
// request.
func clientValue(s string) string { return canon.Value(s) }

// repairUTF8 is canon.Repair, for values fixed at setup.
func repairUTF8(s string) string { return canon.Repair(s) }

// The method indexes of canon.
const (
	methodGet     = canon.MethodGet
	methodHead    = canon.MethodHead
	methodPost    = canon.MethodPost
	methodPut     = canon.MethodPut
	methodPatch   = canon.MethodPatch
	methodDelete  = canon.MethodDelete
	methodConnect = canon.MethodConnect
	methodOptions = canon.MethodOptions
	methodTrace   = canon.MethodTrace
	methodOther   = canon.MethodOther
	numMethods    = canon.NumMethods
)

// methodNames are the label values of the method indexes.
var methodNames = canon.MethodNames

func methodIndex(m string) int { return canon.Method(m) }

func clampStatus(code int) int { return canon.Status(code) }

func statusLabel(code int) string { return canon.StatusLabel(code) }
