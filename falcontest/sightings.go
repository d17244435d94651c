package falcontest

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/falconioc/falcon/internal/iocvalue"
)

// Sighting records that a host observed an IOC, and the processes on that
// host that did. [Server.AddSighting] takes them and [Server.Sightings]
// returns them; the device and process calls serve them.
type Sighting struct {
	Type  string
	Value string
	// DeviceID is the host's id (32 hexadecimal characters).
	DeviceID  string
	Processes []Process
}

// Process is one process that observed an IOC (processesapi.ProcessDetail).
type Process struct {
	// ID is the process id the API serves ("pid:<device id>:<local id>");
	// AddSighting fills it from DeviceID and LocalID when empty.
	ID          string
	LocalID     string
	FileName    string
	CommandLine string
	Start       time.Time
	Stop        time.Time
}

type sightingStore struct {
	mu        sync.RWMutex
	byIOC     map[iocKey][]*Sighting // sightings sorted by device id
	processes map[string]processRef
}

type processRef struct {
	deviceID string
	p        *Process // into a Sighting's slice, which is never changed in place
}

// AddSighting records a sighting. Type and Value must be a valid IOC;
// DeviceID must be 32 hexadecimal characters. A second sighting of the same
// IOC on the same device adds its processes to the first. It panics on bad
// input.
func (s *Server) AddSighting(sg Sighting) {
	if err := s.sight.add(sg); err != nil {
		panic("falcontest: AddSighting: " + err.Error())
	}
}

func (st *sightingStore) add(sg Sighting) error {
	v, err := iocvalue.Normalize(sg.Type, sg.Value)
	if err != nil {
		return err
	}
	sg.Value = v
	if !iocvalue.ValidHostGroupID(sg.DeviceID) {
		return errors.New("device id " + strconv.Quote(sg.DeviceID) + " is not 32 hexadecimal characters")
	}
	sg.DeviceID = strings.ToLower(sg.DeviceID)
	procs := make([]Process, len(sg.Processes))
	for i, p := range sg.Processes {
		if p.LocalID == "" {
			return errors.New("process " + strconv.Itoa(i) + " has no LocalID")
		}
		if p.ID == "" {
			p.ID = "pid:" + sg.DeviceID + ":" + p.LocalID
		}
		procs[i] = p
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.byIOC == nil {
		st.byIOC = make(map[iocKey][]*Sighting)
		st.processes = make(map[string]processRef)
	}
	k := indKey(sg.Type, sg.Value)
	list := st.byIOC[k]
	i, found := slices.BinarySearchFunc(list, sg.DeviceID, func(x *Sighting, id string) int { return strings.Compare(x.DeviceID, id) })
	if found {
		cp := *list[i]
		cp.Processes = append(slices.Clone(cp.Processes), procs...)
		list[i] = &cp
	} else {
		list = slices.Insert(list, i, &Sighting{Type: sg.Type, Value: sg.Value, DeviceID: sg.DeviceID, Processes: procs})
	}
	st.byIOC[k] = list
	stored := list[i].Processes
	for k := len(stored) - len(procs); k < len(stored); k++ {
		st.processes[stored[k].ID] = processRef{deviceID: sg.DeviceID, p: &stored[k]}
	}
	return nil
}

// Sightings returns every sighting, ordered by type, value and device id.
func (s *Server) Sightings() []Sighting {
	s.sight.mu.RLock()
	defer s.sight.mu.RUnlock()
	var out []Sighting
	for _, list := range s.sight.byIOC {
		for _, sg := range list {
			cp := *sg
			cp.Processes = slices.Clone(sg.Processes)
			out = append(out, cp)
		}
	}
	slices.SortFunc(out, func(a, b Sighting) int {
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		if c := strings.Compare(a.Value, b.Value); c != 0 {
			return c
		}
		return strings.Compare(a.DeviceID, b.DeviceID)
	})
	return out
}

func (st *sightingStore) lookup(typ, value string) []*Sighting {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.byIOC[indKey(typ, value)]
}

// iocParams reads and checks the type and value parameters.
func (c *call) iocParams() (typ, value string, ok bool) {
	typ, _ = c.param("type")
	value, _ = c.param("value")
	if typ == "" || value == "" {
		c.failEmpty(http.StatusBadRequest, "type and value are required")
		return "", "", false
	}
	if !iocvalue.ValidType(typ) {
		c.failEmpty(http.StatusBadRequest, "Invalid type '"+typ+"': must be one of sha256, md5, domain, ipv4, ipv6")
		return "", "", false
	}
	v, err := iocvalue.Normalize(typ, value)
	if err != nil {
		reason := err.Error()
		var ve *iocvalue.Error
		if errors.As(err, &ve) {
			reason = ve.Reason
		}
		c.failEmpty(http.StatusBadRequest, "Invalid value for type '"+typ+"': "+reason)
		return "", "", false
	}
	return typ, v, true
}

// ranOnPage reads the string limit (1-100) and offset parameters.
func (c *call) ranOnPage() (limit, offset int, ok bool) {
	limit, offset = 100, 0
	if raw, present := c.param("limit"); present && raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 100 {
			c.failEmpty(http.StatusBadRequest, "limit must be an integer between 1 and 100")
			return 0, 0, false
		}
		limit = n
	}
	if raw, present := c.param("offset"); present && raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			c.failEmpty(http.StatusBadRequest, "offset must be a non-negative integer")
			return 0, 0, false
		}
		offset = n
	}
	return limit, offset, true
}

func noResults(typ, value string) string {
	return "No results found for type: " + typ + " and value: " + value
}

func (s *Server) deviceCount(c *call, legacy bool) {
	typ, value, ok := c.iocParams()
	if !ok {
		return
	}
	n := len(s.sight.lookup(typ, value))
	if n == 0 {
		c.failEmpty(http.StatusNotFound, noResults(typ, value))
		return
	}
	c.reply(http.StatusOK, nil, nil, func(b []byte) []byte {
		b = append(b, `[{"device_count":`...)
		b = strconv.AppendInt(b, int64(n), 10)
		if legacy {
			b = append(b, `,"id":`...)
			b = appendString(b, typ+":"+value)
		}
		b = append(b, `,"limit_exceeded":false,"type":`...)
		b = appendString(b, typ)
		b = append(b, `,"value":`...)
		b = appendString(b, value)
		return append(b, `}]`...)
	})
}

func (s *Server) handleDeviceCount(c *call)       { s.deviceCount(c, false) }
func (s *Server) handleLegacyDeviceCount(c *call) { s.deviceCount(c, true) }

// ranOnReply answers an offset page of ids: v1 pagination has a string
// offset, legacy pagination a next_page token (the next offset).
func (c *call) ranOnReply(all []string, limit, offset int, legacy bool) {
	start := min(offset, len(all))
	end := min(start+limit, len(all))
	b := []byte(`{"limit":`)
	b = strconv.AppendInt(b, int64(limit), 10)
	if legacy {
		if end < len(all) {
			b = append(b, `,"next_page":`...)
			b = appendString(b, strconv.Itoa(end))
		}
		b = append(b, `,"offset":`...)
		b = strconv.AppendInt(b, int64(offset), 10)
	} else {
		b = append(b, `,"offset":`...)
		b = appendString(b, strconv.Itoa(offset))
	}
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(len(all)), 10)
	b = append(b, '}')
	c.reply(http.StatusOK, b, nil, appendStringArray(all[start:end]))
}

func (s *Server) devicesRanOn(c *call, legacy bool) {
	typ, value, ok := c.iocParams()
	if !ok {
		return
	}
	limit, offset, ok := c.ranOnPage()
	if !ok {
		return
	}
	list := s.sight.lookup(typ, value)
	ids := make([]string, len(list))
	for i, sg := range list {
		ids[i] = sg.DeviceID
	}
	c.ranOnReply(ids, limit, offset, legacy)
}

func (s *Server) handleDevicesRanOn(c *call)       { s.devicesRanOn(c, false) }
func (s *Server) handleLegacyDevicesRanOn(c *call) { s.devicesRanOn(c, true) }

func (s *Server) processesRanOn(c *call, legacy bool) {
	typ, value, ok := c.iocParams()
	if !ok {
		return
	}
	device, _ := c.param("device_id")
	if device == "" {
		c.failEmpty(http.StatusBadRequest, "device_id is required")
		return
	}
	if !iocvalue.ValidHostGroupID(device) {
		c.failEmpty(http.StatusBadRequest, "Invalid device_id '"+device+"'")
		return
	}
	limit, offset, ok := c.ranOnPage()
	if !ok {
		return
	}
	var ids []string
	for _, sg := range s.sight.lookup(typ, value) {
		if sg.DeviceID == strings.ToLower(device) {
			for _, p := range sg.Processes {
				ids = append(ids, p.ID)
			}
		}
	}
	c.ranOnReply(ids, limit, offset, legacy)
}

func (s *Server) handleProcessesRanOn(c *call)       { s.processesRanOn(c, false) }
func (s *Server) handleLegacyProcessesRanOn(c *call) { s.processesRanOn(c, true) }

// windowsTicks writes t as 100-nanosecond intervals since 1601, the raw
// form of the process timestamps.
func windowsTicks(t time.Time) string {
	const epochDiff = 11644473600 // seconds from 1601-01-01 to 1970-01-01
	return strconv.FormatInt((t.Unix()+epochDiff)*10_000_000+int64(t.Nanosecond()/100), 10)
}

func (s *Server) handleProcessGet(c *call) {
	ids := c.ids()
	if len(ids) == 0 {
		c.failEmpty(http.StatusBadRequest, "ids is required")
		return
	}
	var found []processRef
	var errs []apiErr
	s.sight.mu.RLock()
	for _, id := range ids {
		if p, ok := s.sight.processes[id]; ok {
			found = append(found, p)
		} else {
			errs = append(errs, apiErr{code: http.StatusNotFound, id: id, message: "Process with id '" + id + "' was not found"})
		}
	}
	s.sight.mu.RUnlock()
	status := http.StatusOK
	if len(found) == 0 {
		status = http.StatusNotFound
	}
	c.reply(status, nil, errs, func(b []byte) []byte {
		b = append(b, '[')
		for i, r := range found {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"command_line":`...)
			b = appendString(b, r.p.CommandLine)
			b = append(b, `,"device_id":`...)
			b = appendString(b, r.deviceID)
			b = append(b, `,"file_name":`...)
			b = appendString(b, r.p.FileName)
			b = append(b, `,"process_id":`...)
			b = appendString(b, r.p.ID)
			b = append(b, `,"process_id_local":`...)
			b = appendString(b, r.p.LocalID)
			for _, ts := range []struct {
				name string
				t    time.Time
			}{{"start", r.p.Start}, {"stop", r.p.Stop}} {
				var text, raw string
				if !ts.t.IsZero() {
					text = ts.t.UTC().Format(time.RFC3339)
					raw = windowsTicks(ts.t)
				}
				b = append(b, `,"`+ts.name+`_timestamp":`...)
				b = appendString(b, text)
				b = append(b, `,"`+ts.name+`_timestamp_raw":`...)
				b = appendString(b, raw)
			}
			b = append(b, '}')
		}
		return append(b, ']')
	})
}
