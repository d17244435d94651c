package falcontest

import (
	"encoding/binary"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/falconioc/falcon/internal/iocvalue"
)

// Pools the seeded indicators draw from. Strings and slices from pools are
// shared between indicators, which keeps a million of them compact.
var (
	seedSources = []string{
		"CrowdStrike Intel", "MISP", "ThreatConnect", "AlienVault OTX", "abuse.ch",
		"Internal SOC", "VirusTotal", "Recorded Future", "Anomali", "Manual import",
	}
	seedDescriptions = []string{
		"Observed in phishing campaign", "Command and control server", "Ransomware payload",
		"Credential harvesting site", "Dropper seen in incident response", "Known malicious infrastructure",
		"Cryptominer download host", "Botnet node", "Exfiltration endpoint", "Loader second stage",
	}
	seedTags = []string{
		"apt29", "phishing", "ransomware", "botnet", "c2", "malware", "commodity", "fin7",
		"lazarus", "emotet", "cobalt-strike", "tor-exit", "watchlist", "campaign-q3", "threat-intel",
	}
	seedUsers = []string{
		"api-client-3f2a", "soc-analyst@example.com", "intel-sync", "misp-connector", "ir-team@example.com",
	}
	seedWords = []string{
		"secure", "login", "update", "cdn", "mail", "portal", "account", "verify", "cloud", "files",
		"invoice", "payment", "support", "service", "static", "auth", "sync", "download", "docs", "shop",
	}
	seedTLDs     = []string{"com", "net", "org", "info", "biz", "io", "ru", "cn", "top", "xyz", "co", "online"}
	seedFiles    = []string{"invoice.exe", "update.dll", "setup.msi", "svchost32.exe", "report.scr", "loader.bin", "chrome_update.exe", "payload.ps1", "agent.elf", "helper.dylib"}
	seedCompany  = []string{"Microsoft Corporation", "Adobe Inc.", "Unknown", "Google LLC", "Oracle", "Contoso Ltd"}
	seedProducts = []string{"Windows Update", "Acrobat Reader", "Chrome", "Java Runtime", "Contoso Agent"}
	seedProcs    = []string{"chrome.exe", "powershell.exe", "outlook.exe", "explorer.exe", "curl", "python3", "rundll32.exe", "firefox"}
)

const parentCIDName = "Example Parent Ltd"

// maxSightedIndex bounds the seeded sightings: only the first 100,000
// seeded indicators can have any (5,000 IOCs at most), which keeps a store
// of millions small and quick to seed.
const maxSightedIndex = 100_000

// seedPools are per-server pools that depend on the seed.
type seedPools struct {
	hostGroups [][]string // combinations of 1-3 host group ids
	tags       [][]string // combinations of 0-3 tags (index 0 empty)
	desktopSub [][]string // non-empty subsets of desktop platforms
	allSub     [][]string // non-empty subsets of all platforms
	devices    []string
	metadata   []*Metadata // shared: updates copy before changing
}

func subsets(ps []string) [][]string {
	var out [][]string
	for mask := 1; mask < 1<<len(ps); mask++ {
		var s []string
		for i, p := range ps {
			if mask&(1<<i) != 0 {
				s = append(s, p)
			}
		}
		out = append(out, s)
	}
	return out
}

func newSeedPools(seed int64) *seedPools {
	r := mix(seed, 7)
	p := &seedPools{desktopSub: subsets(desktop), allSub: subsets(allPlatforms)}
	groups := make([]string, 12)
	for i := range groups {
		groups[i] = randHex(&r, 16)
	}
	for range 64 {
		n := 1 + r.intn(3)
		var combo []string
		for len(combo) < n {
			g := groups[r.intn(len(groups))]
			if !containsStr(combo, g) {
				combo = append(combo, g)
			}
		}
		p.hostGroups = append(p.hostGroups, combo)
	}
	p.tags = append(p.tags, nil)
	for range 255 {
		n := r.intn(4)
		var combo []string
		for len(combo) < n {
			t := seedTags[r.intn(len(seedTags))]
			if !containsStr(combo, t) {
				combo = append(combo, t)
			}
		}
		p.tags = append(p.tags, combo)
	}
	for range 512 {
		m := &Metadata{
			AVHits:         int64(r.intn(70)),
			Filename:       seedFiles[r.intn(len(seedFiles))],
			CompanyName:    seedCompany[r.intn(len(seedCompany))],
			ProductName:    seedProducts[r.intn(len(seedProducts))],
			ProductVersion: strconv.Itoa(1+r.intn(9)) + "." + strconv.Itoa(r.intn(20)) + "." + strconv.Itoa(r.intn(100)),
			Signed:         r.intn(10) < 3,
		}
		m.OriginalFilename = m.Filename
		m.FileVersion = m.ProductVersion
		m.FileDescription = m.ProductName + " component"
		p.metadata = append(p.metadata, m)
	}
	p.devices = make([]string, 64)
	for i := range p.devices {
		p.devices[i] = randHex(&r, 16)
	}
	return p
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// seed fills the store with n generated indicators and their sightings.
// Each indicator is a pure function of (seed, index), so the work is split
// across cores and the result does not depend on the split.
func (s *Server) seed(n int) {
	now := s.cfg.clock().UTC()
	pools := newSeedPools(s.cfg.seed)
	span := int64(365 * 24 * time.Hour)
	start := now.UnixNano() - span
	step := max(span/int64(n), 1)
	out := make([]*indicator, n)
	workers := max(runtime.GOMAXPROCS(0), 1)
	const chunk = 8192
	var wg sync.WaitGroup
	next := make(chan int, (n+chunk-1)/chunk)
	for lo := 0; lo < n; lo += chunk {
		next <- lo
	}
	close(next)
	for range workers {
		wg.Go(func() {
			for lo := range next {
				for i := lo; i < min(lo+chunk, n); i++ {
					out[i] = s.genIndicator(pools, i, start+int64(i)*step, step, now.UnixNano())
				}
			}
		})
	}
	wg.Wait()

	st := s.store
	st.mu.Lock()
	st.items = make([]*indicator, 0, n)
	st.byID = make(map[string]uint32, n)
	st.byKey = make(map[iocKey]uint32, n)
	st.byType = make(map[string][]uint32)
	for i, in := range out {
		// Random hashes and ids cannot realistically collide, but make sure.
		for salt := 1; ; salt++ {
			_, dupKey := st.byKey[indKey(in.typ, in.value)]
			_, dupID := st.byID[in.id]
			if !dupKey && !dupID {
				break
			}
			r := mix(s.cfg.seed, uint64(i)<<8|uint64(salt)+0xfeed)
			if dupID {
				in.id = randHex(&r, 32)
			}
			if dupKey {
				in.value = regenValue(&r, in.typ, i, salt)
			}
		}
		st.insertLocked(in)
	}
	st.mu.Unlock()

	every := s.cfg.sightingEvery
	for i, in := range out[:min(len(out), maxSightedIndex)] {
		if every > 0 && i%every == every/3 {
			s.seedSightings(pools, i, in)
		}
	}
}

func regenValue(r *splitmix64, typ string, i, salt int) string {
	switch typ {
	case iocvalue.SHA256:
		return randHex(r, 32)
	case iocvalue.MD5:
		return randHex(r, 16)
	case iocvalue.Domain:
		return "alt" + strconv.Itoa(salt) + "-" + strconv.Itoa(i) + ".example-ioc.net"
	case iocvalue.IPv4:
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(r.next()))
		b[0] = 100 + b[0]%100
		return netip.AddrFrom4(b).String()
	default:
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], 0x2a0f000000000000|r.next()>>16)
		binary.BigEndian.PutUint64(b[8:], r.next())
		return netip.AddrFrom16(b).String()
	}
}

// mix32 is a bijection on uint32, so distinct indexes give distinct
// addresses.
func mix32(x uint32) uint32 {
	x ^= x >> 16
	x *= 0x7feb352d
	x ^= x >> 15
	x *= 0x846ca68b
	x ^= x >> 16
	return x
}

func pick[T any](r *splitmix64, xs []T) T { return xs[r.intn(len(xs))] }

func (s *Server) genIndicator(p *seedPools, i int, base, step, now int64) *indicator {
	r := mix(s.cfg.seed, uint64(i)+1<<32)
	in := &indicator{id: randHex(&r, 32)}
	switch x := r.intn(100); {
	case x < 30:
		in.typ = iocvalue.SHA256
	case x < 45:
		in.typ = iocvalue.MD5
	case x < 70:
		in.typ = iocvalue.Domain
	case x < 90:
		in.typ = iocvalue.IPv4
	default:
		in.typ = iocvalue.IPv6
	}
	hash := in.typ == iocvalue.SHA256 || in.typ == iocvalue.MD5
	switch in.typ {
	case iocvalue.SHA256:
		in.value = randHex(&r, 32)
	case iocvalue.MD5:
		in.value = randHex(&r, 16)
	case iocvalue.Domain:
		var sb strings.Builder
		sb.WriteString(pick(&r, seedWords))
		sb.WriteByte('-')
		sb.WriteString(strconv.FormatUint(uint64(mix32(uint32(i)^uint32(fmix64(uint64(s.cfg.seed))))), 36))
		sb.WriteByte('.')
		sb.WriteString(pick(&r, seedWords))
		sb.WriteByte('.')
		sb.WriteString(pick(&r, seedTLDs))
		in.value = sb.String()
	case iocvalue.IPv4:
		in.value = ipv4Unique(uint32(i), uint32(fmix64(uint64(s.cfg.seed))))
	default:
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], 0x2a00000000000000|uint64(r.intn(1<<24))<<32|uint64(mix32(uint32(i))))
		binary.BigEndian.PutUint64(b[8:], r.next())
		in.value = netip.AddrFrom16(b).String()
	}

	x := r.intn(100)
	switch {
	case hash && x < 50, !hash && x < 70:
		in.action = "detect"
	case hash && x < 70:
		in.action = "prevent"
	case hash && x < 75:
		in.action = "prevent_no_ui"
	case hash && x < 85:
		in.action = "allow"
	default:
		in.action = "no_action"
	}
	a := findAction(in.action)
	if a.severityRequired || (len(a.severities) > 0 && r.intn(2) == 0) {
		in.severity = pick(&r, catalogSeverities)
	}
	if hash {
		if r.intn(10) < 4 {
			in.platforms = p.desktopSub[len(p.desktopSub)-1]
		} else {
			in.platforms = pick(&r, p.desktopSub)
		}
	} else {
		in.platforms = pick(&r, p.allSub)
		if containsStr(in.platforms, "ios") || containsStr(in.platforms, "android") {
			in.mobileAction = pick(&r, mobileActions)
		}
	}
	if r.intn(10) < 7 {
		in.appliedGlobally = true
	} else {
		in.hostGroups = pick(&r, p.hostGroups)
	}
	in.tags = pick(&r, p.tags)
	if r.intn(10) > 0 {
		in.source = pick(&r, seedSources)
	}
	if r.intn(10) < 7 {
		in.description = pick(&r, seedDescriptions)
	}
	in.createdOn = base + int64(r.next()%uint64(step))
	in.modifiedOn = in.createdOn
	if r.intn(10) < 4 && now > in.createdOn {
		in.modifiedOn = in.createdOn + int64(r.next()%uint64(now-in.createdOn))
	}
	in.createdBy = pick(&r, seedUsers)
	in.modifiedBy = in.createdBy
	if in.modifiedOn != in.createdOn {
		in.modifiedBy = pick(&r, seedUsers)
	}
	if r.intn(10) < 4 {
		days := 30 + r.intn(336)
		in.expiration = in.createdOn + int64(days)*int64(24*time.Hour) + int64(r.next()%uint64(time.Hour))
	}
	if r.intn(50) == 0 {
		in.fromParent = true
		in.parentCIDName = parentCIDName
		in.createdBy = "parent-admin@example.com"
		in.modifiedBy = in.createdBy
	}
	if hash {
		in.meta = pick(&r, p.metadata)
	}
	return in
}

// ipv4Unique maps an index to a public-looking IPv4 address (first octet
// 11-110), distinct for every index below 100 * 2^24 under one salt.
func ipv4Unique(i, salt uint32) string {
	rest := mix24((i ^ salt) & 0xffffff)
	return netip.AddrFrom4([4]byte{byte(11 + (i>>24)%100), byte(rest >> 16), byte(rest >> 8), byte(rest)}).String()
}

// mix24 is a bijection on 24-bit values.
func mix24(x uint32) uint32 {
	const mask = 0xffffff
	for range 3 {
		x = (x * 0x9e3779) & mask // odd multiplier: bijective mod 2^24
		x ^= x >> 12
	}
	return x & mask
}

func (s *Server) seedSightings(p *seedPools, i int, in *indicator) {
	r := mix(s.cfg.seed, uint64(i)+3<<40)
	nDev := 1 + r.intn(6)
	for d := range nDev {
		dev := p.devices[(i*7+d*13)%len(p.devices)]
		nProc := 1 + r.intn(3)
		procs := make([]Process, nProc)
		for k := range procs {
			startT := time.Unix(0, in.createdOn).Add(time.Duration(r.intn(72*3600)) * time.Second).UTC()
			name := pick(&r, seedProcs)
			if in.meta != nil && in.meta.Filename != "" {
				name = in.meta.Filename
			}
			procs[k] = Process{
				LocalID:     strconv.FormatUint(uint64(1000+r.intn(1<<30)), 10),
				FileName:    name,
				CommandLine: name + " --session " + strconv.Itoa(r.intn(100000)),
				Start:       startT,
				Stop:        startT.Add(time.Duration(1+r.intn(3600)) * time.Second),
			}
		}
		_ = s.sight.add(Sighting{Type: in.typ, Value: in.value, DeviceID: dev, Processes: procs})
	}
}

// AddIndicators stores indicators as given, without the API's validation
// of actions, platforms or expirations, so tests can set up any state
// (expired or inherited indicators, say). Type and Value must form a valid
// IOC and must not exist yet; an empty ID gets a fresh one, a zero
// CreatedOn the server's clock, a zero ModifiedOn the CreatedOn, and empty
// CreatedBy/ModifiedBy "falcontest". It returns the ids and panics on bad
// input.
func (s *Server) AddIndicators(inds ...Indicator) []string {
	now := s.cfg.clock().UTC()
	prepared := make([]*indicator, len(inds))
	for i := range inds {
		p := inds[i]
		v, err := iocvalue.Normalize(p.Type, p.Value)
		if err != nil {
			panic("falcontest: AddIndicators: " + err.Error())
		}
		p.Value = v
		if p.ID != "" && !iocvalue.ValidID(p.ID) {
			panic("falcontest: AddIndicators: id " + strconv.Quote(p.ID) + " is not 64 hexadecimal characters")
		}
		if p.CreatedOn.IsZero() {
			p.CreatedOn = now
		}
		if p.ModifiedOn.IsZero() {
			p.ModifiedOn = p.CreatedOn
		}
		if p.CreatedBy == "" {
			p.CreatedBy = "falcontest"
		}
		if p.ModifiedBy == "" {
			p.ModifiedBy = p.CreatedBy
		}
		prepared[i] = fromPublic(&p)
	}
	ids := make([]string, len(prepared))
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	for i, in := range prepared {
		if in.id == "" {
			in.id = s.newID()
		}
		in.id = strings.ToLower(in.id)
		if _, dup := s.store.byID[in.id]; dup {
			panic("falcontest: AddIndicators: id " + in.id + " already exists")
		}
		if _, dup := s.store.byKey[indKey(in.typ, in.value)]; dup {
			panic("falcontest: AddIndicators: " + duplicateMessage(in.typ, in.value))
		}
		s.store.insertLocked(in)
		ids[i] = in.id
	}
	return ids
}

// Indicators returns a snapshot of every stored indicator, in creation
// order.
func (s *Server) Indicators() []Indicator {
	now := s.cfg.clock().UnixNano()
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	out := make([]Indicator, 0, s.store.live)
	for _, in := range s.store.items {
		if in != nil {
			out = append(out, in.public(now))
		}
	}
	return out
}

// Indicator returns a snapshot of the indicator with the given id.
func (s *Server) Indicator(id string) (Indicator, bool) {
	now := s.cfg.clock().UnixNano()
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	in := s.store.getLocked(id)
	if in == nil {
		return Indicator{}, false
	}
	return in.public(now), true
}

// IndicatorCount returns how many indicators the store holds.
func (s *Server) IndicatorCount() int {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	return s.store.live
}
