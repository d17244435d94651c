package ioc

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"unicode"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/fql"
)

const pathReports = "/iocs/entities/indicators-reports/v1"

// ReportRequest asks for a report of the indicators matching a search
// (api.IndicatorsReportRequest).
type ReportRequest struct {
	// Format is the report's format, such as "csv" (required). The API
	// publishes no list of formats.
	Format string
	// Filter selects the indicators (the zero Filter: all of them); it is
	// checked like every Filter.
	Filter Filter
	// Sort orders them (zero: the API's order). The field must be one of
	// fql.IOCSortFields.
	Sort fql.Sort
	// Query is a free-text search over the indicators (empty: none).
	Query string
	// FromParent, when set, keeps only the indicators inherited from an
	// MSSP parent (true) or only the account's own (false).
	FromParent *bool
}

// compile checks r and returns its body.
func (r *ReportRequest) compile() (*reportBody, error) {
	c := &checker{}
	switch {
	case r.Format == "":
		c.add(-1, "report_format", "", "is required")
	case !printableWord(r.Format):
		c.add(-1, "report_format", r.Format, "must be printable, without spaces")
	}
	body := &reportBody{ReportFormat: r.Format, FromParent: copyBool(r.FromParent), Search: reportSearch{Query: r.Query}}
	body.Search.Filter, _ = c.checkFilter("filter", r.Filter)
	body.Search.Sort = c.checkSort(r.Sort)
	if err := c.err(); err != nil {
		return nil, err
	}
	return body, nil
}

func printableWord(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

type reportBody struct {
	ReportFormat string       `json:"report_format"`
	FromParent   *bool        `json:"from_parent,omitempty"`
	Search       reportSearch `json:"search"`
}

type reportSearch struct {
	Filter string `json:"filter"`
	Query  string `json:"query"`
	Sort   string `json:"sort"`
}

// ReportJob is the job the API started for a report request.
type ReportJob struct {
	// ID identifies the job ("" when the answer names none; an id that
	// is not a JSON string makes Create fail with a *falcon.DecodeError).
	ID string
	// Resource is the answer's resource for the job as sent: the API
	// documents no schema for it.
	Resource json.RawMessage
}

// Create asks the API to build a report of the indicators that req
// selects, and returns the job it started: the call does not return the
// report. req is checked before anything is sent (format present, filter
// checked like every Filter, sort on a sortable field). The call needs the ioc:write scope
// although it only reads. It is not repeated when its answer is lost (a
// transport error, or 502, 503 or 504), since a second job could start;
// a 429 is still waited out and repeated, as the API did nothing.
//
// Falcon API: POST /iocs/entities/indicators-reports/v1
func (s *ReportsService) Create(ctx context.Context, req ReportRequest) (*ReportJob, *falcon.Response, error) {
	body, err := req.compile()
	if err != nil {
		return nil, nil, err
	}
	var resources jobList
	resp, err := s.client.Do(ctx, &falcon.Request{
		Method:      http.MethodPost,
		Path:        pathReports,
		Body:        body,
		Idempotency: falcon.NotIdempotent,
	}, &resources)
	if err != nil {
		return nil, resp, err
	}
	job := &ReportJob{}
	if len(resources) > 0 {
		job = &resources[0]
	}
	return job, resp, nil
}

// jobList is the resources of a report answer: each either the job id
// itself or an object with an "id" field. An id of another JSON type is a
// *json.UnmarshalTypeError (reported as a *falcon.DecodeError), never "".
type jobList []ReportJob

// UnmarshalJSON implements json.Unmarshaler.
func (l *jobList) UnmarshalJSON(b []byte) error {
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return err
	}
	for _, raw := range raws {
		job := ReportJob{Resource: raw}
		var err error
		if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '"' {
			err = json.Unmarshal(t, &job.ID)
		} else {
			var obj struct {
				ID *string `json:"id"`
			}
			err = json.Unmarshal(t, &obj)
			if obj.ID != nil {
				job.ID = *obj.ID
			}
		}
		if err != nil {
			return err
		}
		*l = append(*l, job)
	}
	return nil
}
