package conformance_test

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/crowdstrike/gofalcon/falcon/client/ioc"
	"github.com/crowdstrike/gofalcon/falcon/client/iocs"

	"github.com/falconioc/falcon/falcontest"
)

// iocRef names one IOC.
type iocRef struct{ typ, value string }

// sightingsByIOC groups the emulator's sightings: IOC -> device -> process
// ids.
func sightingsByIOC(list []falcontest.Sighting) map[iocRef]map[string][]string {
	out := make(map[iocRef]map[string][]string)
	for _, sg := range list {
		k := iocRef{sg.Type, sg.Value}
		if out[k] == nil {
			out[k] = make(map[string][]string)
		}
		for _, p := range sg.Processes {
			out[k][sg.DeviceID] = append(out[k][sg.DeviceID], p.ID)
		}
		if _, ok := out[k][sg.DeviceID]; !ok {
			out[k][sg.DeviceID] = nil
		}
	}
	return out
}

func TestSightings_Seeded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, falcontest.WithIndicators(200))
	byIOC := sightingsByIOC(e.srv.Sightings())
	if len(byIOC) == 0 {
		t.Fatal("the emulator seeded no sightings for 200 indicators")
	}
	refs := slices.SortedFunc(func(yield func(iocRef) bool) {
		for k := range byIOC {
			if !yield(k) {
				return
			}
		}
	}, func(a, b iocRef) int {
		if a.typ != b.typ {
			return cmp.Compare(a.typ, b.typ)
		}
		return cmp.Compare(a.value, b.value)
	})
	if len(refs) > 4 {
		refs = refs[:4] // enough to cover the paths; keeps the test fast
	}
	for _, ref := range refs {
		devices := byIOC[ref]
		wantDevices := slices.Sorted(func(yield func(string) bool) {
			for d := range devices {
				if !yield(d) {
					return
				}
			}
		})
		t.Run(ref.typ+":"+ref.value, func(t *testing.T) {
			e.checkDeviceCounts(t, ref, len(wantDevices))
			e.checkDevicesRanOn(t, ref, wantDevices)
			for _, device := range wantDevices {
				e.checkProcessesRanOn(t, ref, device, devices[device])
			}
		})
	}
}

func (e *env) checkDeviceCounts(t *testing.T, ref iocRef, want int) {
	t.Helper()
	v1, err := e.api.Ioc.IndicatorGetDeviceCountV1(&ioc.IndicatorGetDeviceCountV1Params{Type: ref.typ, Value: ref.value, Context: e.ctx})
	if err != nil {
		t.Fatalf("IndicatorGetDeviceCountV1: %v", describe(err))
	}
	if r := v1.Payload.Resources; len(r) != 1 || int(r[0].DeviceCount) != want || r[0].Type != ref.typ || r[0].Value != ref.value {
		t.Errorf("device count v1 = %+v, want %d", first(r), want)
	}
	legacy, err := e.api.Iocs.DevicesCount(&iocs.DevicesCountParams{Type: ref.typ, Value: ref.value, Context: e.ctx})
	if err != nil {
		t.Fatalf("DevicesCount: %v", describe(err))
	}
	r := legacy.Payload.Resources
	if len(r) != 1 || r[0].DeviceCount == nil || int(*r[0].DeviceCount) != want ||
		str(r[0].Type) != ref.typ || str(r[0].Value) != ref.value || str(r[0].ID) == "" {
		t.Errorf("legacy device count = %+v, want %d", first(r), want)
	}
}

func (e *env) checkDevicesRanOn(t *testing.T, ref iocRef, want []string) {
	t.Helper()
	// v1, two at a time with string limit and offset.
	var got []string
	for offset := 0; offset <= len(want); offset += 2 {
		page, err := e.api.Ioc.IndicatorGetDevicesRanOnV1(&ioc.IndicatorGetDevicesRanOnV1Params{
			Type: ref.typ, Value: ref.value, Limit: ptr("2"), Offset: ptr(strconv.Itoa(offset)), Context: e.ctx,
		})
		if err != nil {
			t.Fatalf("IndicatorGetDevicesRanOnV1 offset %d: %v", offset, describe(err))
		}
		if p := page.Payload.Meta.Pagination; p == nil || p.Offset != strconv.Itoa(offset) || p.Limit == nil || *p.Limit != 2 {
			t.Errorf("devices v1 pagination at offset %d = %+v", offset, p)
		}
		got = append(got, page.Payload.Resources...)
	}
	if !slices.Equal(slices.Sorted(slices.Values(got)), want) {
		t.Errorf("devices v1 = %v, want %v", got, want)
	}

	// Legacy, following next_page.
	got = nil
	offset := "0"
	for range len(want) + 1 {
		page, err := e.api.Iocs.DevicesRanOn(&iocs.DevicesRanOnParams{
			Type: ref.typ, Value: ref.value, Limit: ptr("1"), Offset: ptr(offset), Context: e.ctx,
		})
		if err != nil {
			t.Fatalf("DevicesRanOn offset %s: %v", offset, describe(err))
		}
		got = append(got, page.Payload.Resources...)
		p := page.Payload.Meta.Pagination
		if p == nil || p.Total != int64(len(want)) {
			t.Fatalf("legacy devices pagination = %+v, want total %d", p, len(want))
		}
		if p.NextPage == "" {
			break
		}
		offset = p.NextPage
	}
	if !slices.Equal(slices.Sorted(slices.Values(got)), want) {
		t.Errorf("legacy devices = %v, want %v", got, want)
	}
}

func (e *env) checkProcessesRanOn(t *testing.T, ref iocRef, device string, want []string) {
	t.Helper()
	v1, err := e.api.Ioc.IndicatorGetProcessesRanOnV1(&ioc.IndicatorGetProcessesRanOnV1Params{
		Type: ref.typ, Value: ref.value, DeviceID: device, Limit: ptr("100"), Context: e.ctx,
	})
	if err != nil {
		t.Fatalf("IndicatorGetProcessesRanOnV1: %v", describe(err))
	}
	if !sameSet(v1.Payload.Resources, want) {
		t.Errorf("processes v1 on %s = %v, want %v", device, v1.Payload.Resources, want)
	}
	legacy, err := e.api.Iocs.ProcessesRanOn(&iocs.ProcessesRanOnParams{
		Type: ref.typ, Value: ref.value, DeviceID: device, Context: e.ctx,
	})
	if err != nil {
		t.Fatalf("ProcessesRanOn: %v", describe(err))
	}
	if !sameSet(legacy.Payload.Resources, want) {
		t.Errorf("legacy processes on %s = %v, want %v", device, legacy.Payload.Resources, want)
	}
	if len(want) == 0 {
		return
	}
	details, err := e.api.Iocs.EntitiesProcesses(&iocs.EntitiesProcessesParams{Ids: want, Context: e.ctx})
	if err != nil {
		t.Fatalf("EntitiesProcesses: %v", describe(err))
	}
	var ids []string
	for _, p := range details.Payload.Resources {
		ids = append(ids, str(p.ProcessID))
		if str(p.DeviceID) != device || str(p.FileName) == "" {
			t.Errorf("process %v: device %v (want %s), file %v", str(p.ProcessID), str(p.DeviceID), device, str(p.FileName))
		}
	}
	if !sameSet(ids, want) {
		t.Errorf("process details for %v returned %v", want, ids)
	}
}

// TestSightings_Added checks exact values for a sighting the test adds.
func TestSightings_Added(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const device = "00112233445566778899aabbccddeeff"
	start := time.Date(2025, 1, 29, 9, 1, 39, 0, time.UTC)
	e.srv.AddSighting(falcontest.Sighting{
		Type: "domain", Value: testDomain, DeviceID: device,
		Processes: []falcontest.Process{
			{LocalID: "4242", FileName: "curl", CommandLine: "curl https://" + testDomain, Start: start, Stop: start.Add(time.Second)},
			{LocalID: "4243", FileName: "firefox", CommandLine: "firefox", Start: start},
		},
	})
	ref := iocRef{"domain", testDomain}
	e.checkDeviceCounts(t, ref, 1)
	e.checkDevicesRanOn(t, ref, []string{device})
	e.checkProcessesRanOn(t, ref, device, []string{"pid:" + device + ":4242", "pid:" + device + ":4243"})

	details, err := e.api.Iocs.EntitiesProcesses(&iocs.EntitiesProcessesParams{Ids: []string{"pid:" + device + ":4242"}, Context: e.ctx})
	if err != nil {
		t.Fatalf("EntitiesProcesses: %v", describe(err))
	}
	if r := details.Payload.Resources; len(r) != 1 || str(r[0].CommandLine) != "curl https://"+testDomain ||
		str(r[0].ProcessIDLocal) != "4242" || str(r[0].StartTimestamp) != start.Format(time.RFC3339) ||
		str(r[0].StopTimestamp) != start.Add(time.Second).Format(time.RFC3339) || str(r[0].StartTimestampRaw) == "" {
		t.Errorf("process detail = %+v", first(r))
	}

	// An IOC nobody saw: the count answers 404, which gofalcon's device
	// count operations do not declare; the lists are empty.
	unseen := iocRef{"md5", testMD5}
	_, err = e.api.Ioc.IndicatorGetDeviceCountV1(&ioc.IndicatorGetDeviceCountV1Params{Type: unseen.typ, Value: unseen.value, Context: e.ctx})
	assertAPIError(t, err, 404)
	_, err = e.api.Iocs.DevicesCount(&iocs.DevicesCountParams{Type: unseen.typ, Value: unseen.value, Context: e.ctx})
	assertAPIError(t, err, 404)
	e.checkDevicesRanOn(t, unseen, nil)

	// An invalid value answers 400, typed for the v1 call.
	_, err = e.api.Ioc.IndicatorGetDevicesRanOnV1(&ioc.IndicatorGetDevicesRanOnV1Params{Type: "md5", Value: "xyz", Context: e.ctx})
	var bad *ioc.IndicatorGetDevicesRanOnV1BadRequest
	if !errors.As(err, &bad) {
		t.Errorf("invalid md5: err = %T %v, want *IndicatorGetDevicesRanOnV1BadRequest", err, describe(err))
	}
	// Unknown process ids: 404, not declared by EntitiesProcesses.
	_, err = e.api.Iocs.EntitiesProcesses(&iocs.EntitiesProcessesParams{Ids: []string{"pid:" + device + ":1"}, Context: e.ctx})
	assertAPIError(t, err, 404)
}

func first[T any](s []*T) any {
	if len(s) == 0 || s[0] == nil {
		return nil
	}
	return *s[0]
}
