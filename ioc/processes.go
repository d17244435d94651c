package ioc

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/internal/iocvalue"
)

// Process is a process that observed an indicator on a host
// (processesapi.ProcessDetail). Start and Stop are parsed from the API's
// timestamps; the values as sent stay in StartText, StartRaw, StopText and
// StopRaw.
type Process struct {
	// ID is the API's process id (such as "pid:<device id>:<local id>").
	ID string
	// LocalID is the process id on the host.
	LocalID string
	// DeviceID is the host's id.
	DeviceID    string
	FileName    string
	CommandLine string
	// Start and Stop are when the process started and stopped, zero when
	// unknown.
	Start time.Time
	Stop  time.Time
	// StartText and StopText are start_timestamp and stop_timestamp as
	// sent; StartRaw and StopRaw are start_timestamp_raw and
	// stop_timestamp_raw (Windows file time: 100-nanosecond intervals
	// since 1601).
	StartText string
	StartRaw  string
	StopText  string
	StopRaw   string
}

type processWire struct {
	CommandLine       string `json:"command_line"`
	DeviceID          string `json:"device_id"`
	FileName          string `json:"file_name"`
	ProcessID         string `json:"process_id"`
	ProcessIDLocal    string `json:"process_id_local"`
	StartTimestamp    string `json:"start_timestamp"`
	StartTimestampRaw string `json:"start_timestamp_raw"`
	StopTimestamp     string `json:"stop_timestamp"`
	StopTimestampRaw  string `json:"stop_timestamp_raw"`
}

// UnmarshalJSON decodes the API's process detail, parsing its timestamps.
// A timestamp that cannot be read leaves its time zero; its text is kept.
func (p *Process) UnmarshalJSON(b []byte) error {
	var w processWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = Process{
		ID:          w.ProcessID,
		LocalID:     w.ProcessIDLocal,
		DeviceID:    w.DeviceID,
		FileName:    w.FileName,
		CommandLine: w.CommandLine,
		Start:       processTime(w.StartTimestamp, w.StartTimestampRaw),
		Stop:        processTime(w.StopTimestamp, w.StopTimestampRaw),
		StartText:   w.StartTimestamp,
		StartRaw:    w.StartTimestampRaw,
		StopText:    w.StopTimestamp,
		StopRaw:     w.StopTimestampRaw,
	}
	return nil
}

// MarshalJSON encodes p in the API's form.
func (p Process) MarshalJSON() ([]byte, error) {
	return json.Marshal(processWire{
		CommandLine:       p.CommandLine,
		DeviceID:          p.DeviceID,
		FileName:          p.FileName,
		ProcessID:         p.ID,
		ProcessIDLocal:    p.LocalID,
		StartTimestamp:    p.StartText,
		StartTimestampRaw: p.StartRaw,
		StopTimestamp:     p.StopText,
		StopTimestampRaw:  p.StopRaw,
	})
}

// fileTimeEpoch is the Unix time of 1601-01-01, the epoch of Windows file
// times, in seconds.
const fileTimeEpoch = -11644473600

// processTime reads a process timestamp. The text is RFC 3339; the raw
// value, a Windows file time, is finer (100 ns) and is preferred when it
// agrees with the text to the second. Either alone serves when the other
// cannot be read; a raw value that is no plausible file time is ignored.
func processTime(text, raw string) time.Time {
	var fromText, fromRaw time.Time
	if text = strings.TrimSpace(text); text != "" {
		if t, err := time.Parse(time.RFC3339Nano, text); err == nil {
			fromText = t.UTC()
		}
	}
	if ticks, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64); err == nil && ticks > 0 {
		t := time.Unix(fileTimeEpoch+ticks/10_000_000, (ticks%10_000_000)*100).UTC()
		// A value in another unit (Unix seconds, milliseconds) would land
		// centuries away: such a value is not a file time.
		if y := t.Year(); y >= 1980 && y < 2200 {
			fromRaw = t
		}
	}
	switch {
	case fromText.IsZero():
		return fromRaw
	case fromRaw.IsZero():
		return fromText
	case fromRaw.Sub(fromText).Abs() < time.Second:
		return fromRaw
	}
	return fromText
}

// processQuery checks ref and the device id and builds the query of a
// "processes ran on" page.
func processQuery(ref Ref, deviceID string, opts *RanOnOptions) (url.Values, error) {
	var ve falcon.ValidationError
	switch {
	case deviceID == "":
		ve.Add(-1, "device_id", "", "is required")
	case !iocvalue.ValidHostGroupID(deviceID):
		ve.Add(-1, "device_id", deviceID, "must be 32 hexadecimal characters")
	}
	q, err := ranOnQuery(ref, opts)
	if err != nil {
		if e, ok := errors.AsType[*falcon.ValidationError](err); ok {
			ve.Problems = append(ve.Problems, e.Problems...)
		}
		return nil, ve.Err()
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	q.Set("device_id", deviceID)
	return q, nil
}

// RanOn returns one page of the ids of the processes that observed the
// indicator ref on the host deviceID (none, with a nil error, when no
// process did). ref and deviceID (32 hexadecimal characters) are checked
// before anything is sent; opts.Limit must be 1 to 100. The page after n
// ids starts at offset strconv.Itoa(n); AllRanOn does that paging. Get
// returns the processes' details.
//
// Falcon API: GET /iocs/queries/indicators/processes/v1
func (s *ProcessesService) RanOn(ctx context.Context, ref Ref, deviceID string, opts *RanOnOptions) ([]string, *falcon.Response, error) {
	q, err := processQuery(ref, deviceID, opts)
	if err != nil {
		return nil, nil, err
	}
	return (*service)(s).ranOnPage(ctx, pathProcessesRanOn, q, opts.start())
}

// AllRanOn returns an iterator over the ids of every process that observed
// the indicator ref on the host deviceID, from opts.Offset on. It fetches
// pages as the loop needs them, and yields one error and stops when a page
// cannot be fetched (a *falcon.ValidationError for bad input, before any
// request).
//
// Falcon API: GET /iocs/queries/indicators/processes/v1
func (s *ProcessesService) AllRanOn(ctx context.Context, ref Ref, deviceID string, opts *RanOnOptions) iter.Seq2[string, error] {
	q, err := processQuery(ref, deviceID, opts)
	return (*service)(s).ranOnAll(ctx, pathProcessesRanOn, q, err, opts)
}

// RanOnLegacy is RanOn through the legacy call, which needs the iocs:read
// scope. The token of the next page is the answer's
// Response.Meta.Pagination.NextPage ("" on the last page); pass it as
// opts.Offset.
//
// Deprecated: use RanOn (GET /iocs/queries/indicators/processes/v1).
//
// Falcon API: GET /indicators/queries/processes/v1
func (s *ProcessesService) RanOnLegacy(ctx context.Context, ref Ref, deviceID string, opts *RanOnOptions) ([]string, *falcon.Response, error) {
	q, err := processQuery(ref, deviceID, opts)
	if err != nil {
		return nil, nil, err
	}
	return (*service)(s).ranOnPage(ctx, pathProcessesRanOnOld, q, opts.start())
}

// AllRanOnLegacy is AllRanOn through the legacy call, following its
// next_page tokens.
//
// Deprecated: use AllRanOn (GET /iocs/queries/indicators/processes/v1).
//
// Falcon API: GET /indicators/queries/processes/v1
func (s *ProcessesService) AllRanOnLegacy(ctx context.Context, ref Ref, deviceID string, opts *RanOnOptions) iter.Seq2[string, error] {
	q, err := processQuery(ref, deviceID, opts)
	return (*service)(s).ranOnAllLegacy(ctx, pathProcessesRanOnOld, q, err, opts)
}

// Get returns the details of the processes with the given ids (as RanOn
// returns them), in the order asked (each once), following the rule of
// every look-up by id (see GetResult): ids the API does not know are
// listed in Missing. Long id lists are split across requests. The Response
// is that of the last request.
//
// Falcon API: GET /processes/entities/processes/v1
func (s *ProcessesService) Get(ctx context.Context, ids ...string) (*GetResult[*Process], *falcon.Response, error) {
	uniq, err := checkNames(ids)
	if err != nil {
		return nil, nil, err
	}
	return getByIDs(ctx, "ProcessesService.Get", uniq, getEntities[Process]((*service)(s), pathProcessGet), func(p *Process) string { return p.ID })
}
