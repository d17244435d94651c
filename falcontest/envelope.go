package falcontest

import (
	"net/http"
	"strconv"
	"time"
)

// apiErr is one msa.APIError.
type apiErr struct {
	code    int
	message string
	id      string
}

func appendErrors(b []byte, errs []apiErr) []byte {
	b = append(b, '[')
	for i, e := range errs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"code":`...)
		b = strconv.AppendInt(b, int64(e.code), 10)
		if e.id != "" {
			b = append(b, `,"id":`...)
			b = appendString(b, e.id)
		}
		b = append(b, `,"message":`...)
		b = appendString(b, e.message)
		b = append(b, '}')
	}
	return append(b, ']')
}

func (c *call) powered() string {
	if c.rt != nil && c.rt.powered != "" {
		return c.rt.powered
	}
	return "crowdstrike-api-gateway"
}

// appendMeta appends the meta object; pagination, when not nil, is an
// encoded JSON object, and extra is appended verbatim inside meta (",...").
func (c *call) appendMeta(b []byte, pagination []byte, extra string) []byte {
	b = append(b, `{"query_time":`...)
	b = strconv.AppendFloat(b, time.Since(c.start).Seconds(), 'f', 9, 64)
	if pagination != nil {
		b = append(b, `,"pagination":`...)
		b = append(b, pagination...)
	}
	b = append(b, `,"powered_by":`...)
	b = appendString(b, c.powered())
	b = append(b, `,"trace_id":`...)
	b = appendString(b, c.traceID)
	b = append(b, extra...)
	return append(b, '}')
}

// reply sets a full envelope answer: meta (with pagination when not nil),
// errors (always an array) and, when resources is not nil, the resources
// array it appends.
func (c *call) reply(status int, pagination []byte, errs []apiErr, resources func(b []byte) []byte) {
	c.replyExtra(status, pagination, "", errs, resources)
}

func (c *call) replyExtra(status int, pagination []byte, metaExtra string, errs []apiErr, resources func(b []byte) []byte) {
	b := c.out[:0]
	b = append(b, `{"meta":`...)
	b = c.appendMeta(b, pagination, metaExtra)
	b = append(b, `,"errors":`...)
	b = appendErrors(b, errs)
	if resources != nil {
		b = append(b, `,"resources":`...)
		b = resources(b)
	}
	b = append(b, '}')
	c.status = status
	c.out = b
}

// fail answers status with one error and no resources, the shape of
// production's gateway and validation errors.
func (c *call) fail(status int, message string) {
	c.reply(status, nil, []apiErr{{code: status, message: message}}, nil)
}

// failf is fail with resources: [] (the shape of the IOC service's own
// 400s on query endpoints).
func (c *call) failEmpty(status int, message string) {
	c.reply(status, nil, []apiErr{{code: status, message: message}}, func(b []byte) []byte { return append(b, '[', ']') })
}

func appendStringArray(ss []string) func(b []byte) []byte {
	return func(b []byte) []byte { return appendStrings(b, ss) }
}

// pagination encodings.

func indicatorPaging(limit int, offset *int, total int, after string) []byte {
	b := []byte(`{"limit":`)
	b = strconv.AppendInt(b, int64(limit), 10)
	if offset != nil {
		b = append(b, `,"offset":`...)
		b = strconv.AppendInt(b, int64(*offset), 10)
	}
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	if after != "" {
		b = append(b, `,"after":`...)
		b = appendString(b, after)
	}
	return append(b, '}')
}

func statusText(status int) string {
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Error"
}
