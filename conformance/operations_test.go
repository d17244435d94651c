package conformance_test

import (
	"slices"
	"testing"
	"time"

	"github.com/crowdstrike/gofalcon/falcon/client/ioc"
	"github.com/crowdstrike/gofalcon/falcon/client/iocs"
	"github.com/crowdstrike/gofalcon/falcon/client/oauth2"
	"github.com/crowdstrike/gofalcon/falcon/models"

	"github.com/falconioc/falcon/falcontest"
	"github.com/falconioc/falcon/internal/spectest"
)

// TestEveryOperation calls each of gofalcon's IOC operations once, in one
// scenario, and checks that together they reach every operation the spec
// and the emulator have.
func TestEveryOperation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const device = "ffeeddccbbaa99887766554433221100"
	e.srv.AddSighting(falcontest.Sighting{Type: "md5", Value: testMD5, DeviceID: device,
		Processes: []falcontest.Process{{LocalID: "7", FileName: "a.exe", CommandLine: "a.exe"}}})
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %s", what, describe(err))
		}
	}

	tok, err := e.bare.Oauth2.Oauth2AccessToken(&oauth2.Oauth2AccessTokenParams{ClientID: e.srv.ClientID, ClientSecret: e.srv.ClientSecret, Context: e.ctx})
	must("Oauth2AccessToken", err)
	_, err = e.bare.Oauth2.Oauth2RevokeToken(&oauth2.Oauth2RevokeTokenParams{Token: tok.Payload.AccessToken, Context: e.ctx},
		oauth2.AuthenticateRevocation(e.srv.ClientID, e.srv.ClientSecret))
	must("Oauth2RevokeToken", err)

	created, err := e.api.Ioc.IndicatorCreateV1(&ioc.IndicatorCreateV1Params{
		Body: &models.APIIndicatorCreateReqsV1{Indicators: newIndicators(e.srv.Now().Add(time.Hour))}, Context: e.ctx})
	must("IndicatorCreateV1", err)
	id := created.Payload.Resources[0].ID
	_, err = e.api.Ioc.IndicatorGetV1(&ioc.IndicatorGetV1Params{Ids: []string{id}, Context: e.ctx})
	must("IndicatorGetV1", err)
	_, err = e.api.Ioc.IndicatorSearchV1(&ioc.IndicatorSearchV1Params{Context: e.ctx})
	must("IndicatorSearchV1", err)
	_, err = e.api.Ioc.IndicatorCombinedV1(&ioc.IndicatorCombinedV1Params{Context: e.ctx})
	must("IndicatorCombinedV1", err)
	_, err = e.api.Ioc.IndicatorUpdateV1(&ioc.IndicatorUpdateV1Params{Body: &models.APIIndicatorUpdateReqsV1{
		Indicators: []*models.APIIndicatorUpdateReqV1{{ID: id, Severity: "low", Platforms: created.Payload.Resources[0].Platforms}}}, Context: e.ctx})
	must("IndicatorUpdateV1", err)
	_, err = e.api.Ioc.IndicatorAggregateV1(&ioc.IndicatorAggregateV1Params{
		Body: &models.MsaAggregateQueryRequest{Name: ptr("n"), Type: ptr("terms"), Field: ptr("action")}, Context: e.ctx})
	must("IndicatorAggregateV1", err)
	_, err = e.api.Ioc.GetIndicatorsReport(&ioc.GetIndicatorsReportParams{Body: &models.APIIndicatorsReportRequest{
		ReportFormat: ptr("csv"), Search: &models.APIIndicatorsSortedSearch{Filter: ptr(""), Query: ptr(""), Sort: ptr("")}}, Context: e.ctx})
	must("GetIndicatorsReport", err)
	_, err = e.api.Ioc.ActionQueryV1(&ioc.ActionQueryV1Params{Context: e.ctx})
	must("ActionQueryV1", err)
	_, err = e.api.Ioc.ActionGetV1(&ioc.ActionGetV1Params{Ids: []string{"detect"}, Context: e.ctx})
	must("ActionGetV1", err)
	_, err = e.api.Ioc.IocTypeQueryV1(&ioc.IocTypeQueryV1Params{Context: e.ctx})
	must("IocTypeQueryV1", err)
	_, err = e.api.Ioc.PlatformQueryV1(&ioc.PlatformQueryV1Params{Context: e.ctx})
	must("PlatformQueryV1", err)
	_, err = e.api.Ioc.SeverityQueryV1(&ioc.SeverityQueryV1Params{Context: e.ctx})
	must("SeverityQueryV1", err)
	_, err = e.api.Ioc.IndicatorGetDeviceCountV1(&ioc.IndicatorGetDeviceCountV1Params{Type: "md5", Value: testMD5, Context: e.ctx})
	must("IndicatorGetDeviceCountV1", err)
	_, err = e.api.Ioc.IndicatorGetDevicesRanOnV1(&ioc.IndicatorGetDevicesRanOnV1Params{Type: "md5", Value: testMD5, Context: e.ctx})
	must("IndicatorGetDevicesRanOnV1", err)
	_, err = e.api.Ioc.IndicatorGetProcessesRanOnV1(&ioc.IndicatorGetProcessesRanOnV1Params{Type: "md5", Value: testMD5, DeviceID: device, Context: e.ctx})
	must("IndicatorGetProcessesRanOnV1", err)
	_, err = e.api.Iocs.DevicesCount(&iocs.DevicesCountParams{Type: "md5", Value: testMD5, Context: e.ctx})
	must("DevicesCount", err)
	_, err = e.api.Iocs.DevicesRanOn(&iocs.DevicesRanOnParams{Type: "md5", Value: testMD5, Context: e.ctx})
	must("DevicesRanOn", err)
	_, err = e.api.Iocs.ProcessesRanOn(&iocs.ProcessesRanOnParams{Type: "md5", Value: testMD5, DeviceID: device, Context: e.ctx})
	must("ProcessesRanOn", err)
	_, err = e.api.Iocs.EntitiesProcesses(&iocs.EntitiesProcessesParams{Ids: []string{"pid:" + device + ":7"}, Context: e.ctx})
	must("EntitiesProcesses", err)
	_, err = e.api.Ioc.IndicatorDeleteV1(&ioc.IndicatorDeleteV1Params{Ids: []string{id}, Context: e.ctx})
	must("IndicatorDeleteV1", err)

	ops, err := spectest.Operations()
	if err != nil {
		t.Fatal(err)
	}
	var specIDs []string
	for _, op := range ops {
		specIDs = append(specIDs, op.ID)
	}
	slices.Sort(specIDs)
	if missing := e.spec.Missing(specIDs...); len(missing) > 0 {
		t.Errorf("spec operations gofalcon did not reach: %v", missing)
	}
	if emu := falcontest.Operations(); !slices.Equal(emu, specIDs) {
		t.Errorf("emulator operations %v differ from the spec's %v", emu, specIDs)
	}
}
