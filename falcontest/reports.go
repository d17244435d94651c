package falcontest

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"
)

// ReportJob is an indicators report the server accepted. The emulator
// only records the job; no report file is ever produced, as production
// only starts one.
type ReportJob struct {
	ID         string
	Format     string
	Filter     string
	Query      string
	Sort       string
	FromParent bool
	// Indicators is how many indicators the filter matched when the job
	// was accepted.
	Indicators int
	Created    time.Time
}

type reportLog struct {
	mu   sync.Mutex
	jobs []ReportJob
}

// Reports returns the report jobs accepted so far, oldest first.
func (s *Server) Reports() []ReportJob {
	s.reports.mu.Lock()
	defer s.reports.mu.Unlock()
	return slices.Clone(s.reports.jobs)
}

// handleReport serves POST /iocs/entities/indicators-reports/v1.
func (s *Server) handleReport(c *call) {
	var req struct {
		ReportFormat string `json:"report_format"`
		FromParent   *bool  `json:"from_parent"`
		Search       *struct {
			Filter string `json:"filter"`
			Query  string `json:"query"`
			Sort   string `json:"sort"`
		} `json:"search"`
	}
	if err := json.Unmarshal(c.body, &req); err != nil {
		c.fail(http.StatusBadRequest, "request body must be a JSON object matching api.IndicatorsReportRequest")
		return
	}
	if req.ReportFormat == "" {
		c.fail(http.StatusBadRequest, "report_format is required")
		return
	}
	if req.Search == nil {
		c.fail(http.StatusBadRequest, "search is required")
		return
	}
	q := query{key: queryKey{filter: req.Search.Filter}}
	if req.FromParent != nil {
		q.key.fromParent = -1
		if *req.FromParent {
			q.key.fromParent = 1
		}
	}
	if req.Search.Sort != "" {
		sp, err := parseSort(req.Search.Sort)
		if err != nil {
			c.fail(http.StatusBadRequest, err.Error())
			return
		}
		q.key.sort = sp
	}
	if req.Search.Filter != "" {
		cf, err := s.compileFilter(req.Search.Filter)
		if err != nil {
			c.fail(http.StatusBadRequest, err.Error())
			return
		}
		q.setFilter(cf)
	}
	s.store.mu.RLock()
	seqs, err := s.store.matchedLocked(q, c.now.UnixNano())
	s.store.mu.RUnlock()
	if err != nil {
		c.fail(http.StatusBadRequest, "Invalid filter: "+err.Error())
		return
	}
	job := ReportJob{
		ID:         s.rnd.hex(16),
		Format:     req.ReportFormat,
		Filter:     req.Search.Filter,
		Query:      req.Search.Query,
		Sort:       req.Search.Sort,
		FromParent: req.FromParent != nil && *req.FromParent,
		Indicators: len(seqs),
		Created:    c.now,
	}
	s.reports.mu.Lock()
	s.reports.jobs = append(s.reports.jobs, job)
	s.reports.mu.Unlock()
	c.reply(http.StatusOK, nil, nil, appendStringArray([]string{job.ID}))
}
