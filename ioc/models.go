package ioc

import "time"

// Type is the kind of an indicator's value. It is an open string type: the
// constants are the values Falcon documents, and the API's own catalog
// (TypesService) is the authority. Type names are lower case; wherever this
// package takes a Type (NewIndicator, Ref, NormalizeValue, ValidateNew,
// Catalog.Validate) it accepts any case and surrounding space, so "SHA256"
// is TypeSHA256, and it sends the lower-case name. Types the API returns
// are lower case.
type Type string

// The indicator types Falcon takes.
const (
	TypeSHA256 Type = "sha256"
	TypeMD5    Type = "md5"
	TypeDomain Type = "domain"
	TypeIPv4   Type = "ipv4"
	TypeIPv6   Type = "ipv6"
)

// Action is what Falcon does when it sees an indicator on a host.
type Action string

// The actions Falcon documents. ActionsService lists what a tenant accepts.
// ActionDetect, ActionPrevent and ActionPreventNoUI need a Severity.
const (
	ActionNoAction    Action = "no_action"
	ActionAllow       Action = "allow"
	ActionPreventNoUI Action = "prevent_no_ui"
	ActionPrevent     Action = "prevent"
	ActionDetect      Action = "detect"
)

// MobileAction is what Falcon for Mobile does when it sees an indicator.
// The API serves no catalog of mobile actions, so Create and Update accept
// only the four documented here (in lower case).
type MobileAction string

// The mobile actions Falcon documents.
const (
	MobileActionNoAction MobileAction = "no_action"
	MobileActionAllow    MobileAction = "allow"
	MobileActionDetect   MobileAction = "detect"
	MobileActionPrevent  MobileAction = "prevent"
)

// Severity is the severity Falcon reports for a detection of an indicator.
type Severity string

// The severities Falcon documents. SeveritiesService lists what a tenant accepts.
const (
	SeverityInformational Severity = "informational"
	SeverityLow           Severity = "low"
	SeverityMedium        Severity = "medium"
	SeverityHigh          Severity = "high"
	SeverityCritical      Severity = "critical"
)

// Platform is an operating system family an indicator applies to.
type Platform string

// The platforms Falcon documents. PlatformsService lists what a tenant accepts.
const (
	PlatformWindows Platform = "windows"
	PlatformMac     Platform = "mac"
	PlatformLinux   Platform = "linux"
	PlatformIOS     Platform = "ios"
	PlatformAndroid Platform = "android"
)

// Ref names one indicator by its type and value, as the device and process
// look-ups take it.
type Ref struct {
	Type  Type
	Value string
}

// String returns "type:value".
func (r Ref) String() string { return string(r.Type) + ":" + r.Value }

// Indicator is a custom IOC as the API returns it (api.IndicatorV1).
// Timestamps keep the nanoseconds the API sends.
type Indicator struct {
	ID              string       `json:"id"`
	Type            Type         `json:"type"`
	Value           string       `json:"value"`
	Action          Action       `json:"action,omitempty"`
	MobileAction    MobileAction `json:"mobile_action,omitempty"`
	Severity        Severity     `json:"severity,omitempty"`
	Description     string       `json:"description,omitempty"`
	Source          string       `json:"source,omitempty"`
	Platforms       []Platform   `json:"platforms,omitempty"`
	Tags            []string     `json:"tags,omitempty"`
	HostGroups      []string     `json:"host_groups,omitempty"`
	AppliedGlobally bool         `json:"applied_globally"`
	Expiration      time.Time    `json:"expiration,omitzero"`
	Expired         bool         `json:"expired"`
	Deleted         bool         `json:"deleted"`
	FromParent      bool         `json:"from_parent"`
	ParentCIDName   string       `json:"parent_cid_name,omitempty"`
	Metadata        *Metadata    `json:"metadata,omitempty"`
	CreatedBy       string       `json:"created_by,omitempty"`
	CreatedOn       time.Time    `json:"created_on,omitzero"`
	ModifiedBy      string       `json:"modified_by,omitempty"`
	ModifiedOn      time.Time    `json:"modified_on,omitzero"`
}

// Ref returns the indicator's type and value.
func (i *Indicator) Ref() Ref { return Ref{Type: i.Type, Value: i.Value} }

// Metadata is what Falcon knows of a hash indicator's file (api.MetadataV1).
type Metadata struct {
	AVHits           int64  `json:"av_hits,omitempty"`
	CompanyName      string `json:"company_name,omitempty"`
	FileDescription  string `json:"file_description,omitempty"`
	FileVersion      string `json:"file_version,omitempty"`
	Filename         string `json:"filename,omitempty"`
	OriginalFilename string `json:"original_filename,omitempty"`
	ProductName      string `json:"product_name,omitempty"`
	ProductVersion   string `json:"product_version,omitempty"`
	Signed           bool   `json:"signed,omitempty"`
}

// NewIndicator is one indicator to create (api.IndicatorCreateReqV1).
// Type, Value and Action are required, and either AppliedGlobally is true
// or HostGroups is non-empty. A zero Expiration means the indicator does
// not expire.
type NewIndicator struct {
	Type            Type             `json:"type"`
	Value           string           `json:"value"`
	Action          Action           `json:"action"`
	MobileAction    MobileAction     `json:"mobile_action,omitempty"`
	Severity        Severity         `json:"severity,omitempty"`
	Description     string           `json:"description,omitempty"`
	Source          string           `json:"source,omitempty"`
	Platforms       []Platform       `json:"platforms,omitempty"`
	Tags            []string         `json:"tags,omitempty"`
	HostGroups      []string         `json:"host_groups,omitempty"`
	AppliedGlobally bool             `json:"applied_globally"`
	Expiration      time.Time        `json:"expiration,omitzero"`
	Metadata        *MetadataRequest `json:"metadata,omitempty"`
}

// Ref returns the new indicator's type and value.
func (n *NewIndicator) Ref() Ref { return Ref{Type: n.Type, Value: n.Value} }

// IndicatorUpdate changes one indicator (api.IndicatorUpdateReqV1). ID is
// required; type and value cannot change. Every other field is an Opt:
// left alone when zero, set with Set, cleared with Clear. A cleared scalar
// is sent as null; a cleared list (tags, host groups) as [], because the
// API reads null as "leave alone" for lists.
//
//	ioc.IndicatorUpdate{
//		ID:              id,
//		Severity:        ioc.Set(ioc.SeverityHigh),
//		Description:     ioc.Clear[string](),
//		AppliedGlobally: ioc.Set(false),
//	}
type IndicatorUpdate struct {
	ID              string               `json:"id"`
	Action          Opt[Action]          `json:"action,omitzero"`
	MobileAction    Opt[MobileAction]    `json:"mobile_action,omitzero"`
	Severity        Opt[Severity]        `json:"severity,omitzero"`
	Description     Opt[string]          `json:"description,omitzero"`
	Source          Opt[string]          `json:"source,omitzero"`
	Platforms       Opt[[]Platform]      `json:"platforms,omitzero"`
	Tags            Opt[[]string]        `json:"tags,omitzero"`
	HostGroups      Opt[[]string]        `json:"host_groups,omitzero"`
	AppliedGlobally Opt[bool]            `json:"applied_globally,omitzero"`
	Expiration      Opt[time.Time]       `json:"expiration,omitzero"`
	Metadata        Opt[MetadataRequest] `json:"metadata,omitzero"`
}

// BulkUpdate changes every indicator that matches Filter
// (api.BulkUpdateReqV1). Fields follow the same Opt rules as IndicatorUpdate.
type BulkUpdate struct {
	// Filter selects the indicators; it is required (MatchAll selects
	// every one) and checked like every Filter.
	Filter Filter `json:"-"`
	// FromParent, when set, changes only the indicators inherited from an
	// MSSP parent (true) or only the account's own (false).
	FromParent      *bool                `json:"from_parent,omitempty"`
	Action          Opt[Action]          `json:"action,omitzero"`
	MobileAction    Opt[MobileAction]    `json:"mobile_action,omitzero"`
	Severity        Opt[Severity]        `json:"severity,omitzero"`
	Description     Opt[string]          `json:"description,omitzero"`
	Source          Opt[string]          `json:"source,omitzero"`
	Platforms       Opt[[]Platform]      `json:"platforms,omitzero"`
	Tags            Opt[[]string]        `json:"tags,omitzero"`
	HostGroups      Opt[[]string]        `json:"host_groups,omitzero"`
	AppliedGlobally Opt[bool]            `json:"applied_globally,omitzero"`
	Expiration      Opt[time.Time]       `json:"expiration,omitzero"`
	Metadata        Opt[MetadataRequest] `json:"metadata,omitzero"`
}

// bulkWire is the JSON form of a BulkUpdate: its fields with the filter as
// text.
type bulkWire struct {
	Filter string `json:"filter"`
	*BulkUpdate
}

// MetadataRequest is the metadata a create or update may set
// (api.MetadataReqV1).
type MetadataRequest struct {
	Filename string `json:"filename,omitempty"`
}
