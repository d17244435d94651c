package falcon

import (
	"fmt"
	"strings"
)

// Cloud names a Falcon region (a "cloud" in CrowdStrike's terms).
type Cloud string

// The Falcon clouds. CloudAutoDiscover asks the client to find the region
// from the token response of the US-1 cloud.
const (
	CloudUS1          Cloud = "us-1"
	CloudUS2          Cloud = "us-2"
	CloudUS3          Cloud = "us-3"
	CloudEU1          Cloud = "eu-1"
	CloudUSGov1       Cloud = "us-gov-1"
	CloudUSGov2       Cloud = "us-gov-2"
	CloudAutoDiscover Cloud = "autodiscover"
)

// cloudHosts maps each cloud to its API host.
var cloudHosts = map[Cloud]string{
	CloudUS1:    "api.crowdstrike.com",
	CloudUS2:    "api.us-2.crowdstrike.com",
	CloudUS3:    "api.us-3.crowdstrike.com",
	CloudEU1:    "api.eu-1.crowdstrike.com",
	CloudUSGov1: "api.laggar.gcw.crowdstrike.com",
	CloudUSGov2: "api.us-gov-2.crowdstrike.mil",
}

// Host returns the API host of c, or "" for CloudAutoDiscover and unknown
// values.
func (c Cloud) Host() string { return cloudHosts[c] }

// BaseURL returns the API base URL of c ("https://" + Host), or "" when c has
// no host.
func (c Cloud) BaseURL() string {
	if h := c.Host(); h != "" {
		return "https://" + h
	}
	return ""
}

// String returns the cloud's canonical name, such as "us-gov-1".
func (c Cloud) String() string { return string(c) }

// ParseCloud parses a cloud name. Case, hyphens and underscores do not
// matter: "US1", "us-1", "Us_1" and "US-GOV-1" all parse, and "auto" or
// "autodiscover" give CloudAutoDiscover.
func ParseCloud(s string) (Cloud, error) {
	key := strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', ' ':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
	switch key {
	case "us1":
		return CloudUS1, nil
	case "us2":
		return CloudUS2, nil
	case "us3":
		return CloudUS3, nil
	case "eu1":
		return CloudEU1, nil
	case "usgov1", "gov1":
		return CloudUSGov1, nil
	case "usgov2", "gov2":
		return CloudUSGov2, nil
	case "auto", "autodiscover":
		return CloudAutoDiscover, nil
	}
	return "", fmt.Errorf("falcon: unknown cloud %q (want us-1, us-2, us-3, eu-1, us-gov-1, us-gov-2 or autodiscover)", s)
}
