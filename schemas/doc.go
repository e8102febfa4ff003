// Package schemas holds [ginprom.Schema] values that reproduce the metric
// names of other systems, so that a Gin application replacing one of them
// keeps the dashboards, alert rules and SLOs written for it:
//
//	ginprom.New(r, ginprom.WithSchema(schemas.GoHTTPMetrics("checkout")))
//
// Each function returns a new Schema, which may be changed before it is
// given to [ginprom.WithSchema] (to name more families, say). Where a
// system's label held something a client controls (a raw path, a Host
// header, a client address), the schema puts the route template or an
// empty constant there instead: ginprom never lets a client create series
// at will. The README's "Migrating" section shows each schema in full and
// says what it reproduces exactly and what it cannot.
package schemas
