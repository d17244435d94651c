package conformance_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/crowdstrike/gofalcon/falcon"
	"github.com/crowdstrike/gofalcon/falcon/client"
	"github.com/crowdstrike/gofalcon/falcon/client/ioc"
	"github.com/crowdstrike/gofalcon/falcon/client/oauth2"
	"github.com/go-openapi/runtime"

	"github.com/falconioc/falcon/falcontest"
)

func TestOAuth2_TokenAndRevoke(t *testing.T) {
	t.Parallel()
	e := newEnv(t, falcontest.WithRegion("us-2"))

	created, err := e.bare.Oauth2.Oauth2AccessToken(&oauth2.Oauth2AccessTokenParams{
		ClientID:     e.srv.ClientID,
		ClientSecret: e.srv.ClientSecret,
		Context:      e.ctx,
	})
	if err != nil {
		t.Fatalf("Oauth2AccessToken: %v", err)
	}
	tok := created.Payload
	if tok.AccessToken == "" || tok.ExpiresIn != 1799 || tok.TokenType != "bearer" {
		t.Errorf("token response: expires_in %d, token_type %q, token empty %v", tok.ExpiresIn, tok.TokenType, tok.AccessToken == "")
	}
	if created.XCSRegion != "us-2" {
		t.Errorf("X-CS-Region = %q, want us-2", created.XCSRegion)
	}
	if created.XCSTRACEID == "" {
		t.Error("no X-CS-TRACEID on the token response")
	}
	if n := e.srv.ActiveTokens(); n != 1 {
		t.Errorf("ActiveTokens = %d after one token request", n)
	}

	// The token works with gofalcon's access-token configuration.
	withToken := e.clientWithToken(t, tok.AccessToken)
	if _, err := withToken.Ioc.IocTypeQueryV1(&ioc.IocTypeQueryV1Params{Context: e.ctx}); err != nil {
		t.Fatalf("API call with the issued token: %v", err)
	}

	revoked, err := e.bare.Oauth2.Oauth2RevokeToken(&oauth2.Oauth2RevokeTokenParams{
		Token:   tok.AccessToken,
		Context: e.ctx,
	}, oauth2.AuthenticateRevocation(e.srv.ClientID, e.srv.ClientSecret))
	if err != nil {
		t.Fatalf("Oauth2RevokeToken: %v", err)
	}
	if revoked.Payload == nil || revoked.Payload.Meta == nil || revoked.Payload.Meta.TraceID == nil {
		t.Errorf("revoke payload lacks meta.trace_id: %+v", revoked.Payload)
	}
	if n := e.srv.ActiveTokens(); n != 0 {
		t.Errorf("ActiveTokens = %d after revoking the only token", n)
	}

	// A revoked token answers 401, which no IOC operation declares:
	// gofalcon returns its generic *runtime.APIError.
	_, err = withToken.Ioc.IocTypeQueryV1(&ioc.IocTypeQueryV1Params{Context: e.ctx})
	assertAPIError(t, err, 401)
}

func TestOAuth2_Errors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, falcontest.WithMemberCIDs("0123456789abcdef0123456789abcdef"))

	t.Run("wrong secret", func(t *testing.T) {
		_, err := e.bare.Oauth2.Oauth2AccessToken(&oauth2.Oauth2AccessTokenParams{
			ClientID: e.srv.ClientID, ClientSecret: "not-the-secret", Context: e.ctx,
		})
		var forbidden *oauth2.Oauth2AccessTokenForbidden
		if !errors.As(err, &forbidden) {
			t.Fatalf("err = %T %v, want *Oauth2AccessTokenForbidden", err, err)
		}
		assertErrorCode(t, forbidden.Payload.Errors, 403)
	})
	t.Run("missing secret", func(t *testing.T) {
		var err error
		e.expectSpecBreak(t, "client credentials are in neither", func() {
			_, err = e.bare.Oauth2.Oauth2AccessToken(&oauth2.Oauth2AccessTokenParams{
				ClientID: e.srv.ClientID, Context: e.ctx,
			})
		})
		var bad *oauth2.Oauth2AccessTokenBadRequest
		if !errors.As(err, &bad) {
			t.Fatalf("err = %T %v, want *Oauth2AccessTokenBadRequest", err, err)
		}
		assertErrorCode(t, bad.Payload.Errors, 400)
	})
	t.Run("foreign member cid", func(t *testing.T) {
		_, err := e.bare.Oauth2.Oauth2AccessToken(&oauth2.Oauth2AccessTokenParams{
			ClientID: e.srv.ClientID, ClientSecret: e.srv.ClientSecret,
			MemberCid: ptr("fedcba9876543210fedcba9876543210"), Context: e.ctx,
		})
		var forbidden *oauth2.Oauth2AccessTokenForbidden
		if !errors.As(err, &forbidden) {
			t.Fatalf("err = %T %v, want *Oauth2AccessTokenForbidden", err, err)
		}
	})
	t.Run("allowed member cid", func(t *testing.T) {
		_, err := e.bare.Oauth2.Oauth2AccessToken(&oauth2.Oauth2AccessTokenParams{
			ClientID: e.srv.ClientID, ClientSecret: e.srv.ClientSecret,
			MemberCid: ptr("0123456789abcdef0123456789abcdef"), Context: e.ctx,
		})
		if err != nil {
			t.Fatalf("Oauth2AccessToken with an allowed member_cid: %v", err)
		}
	})
	t.Run("token endpoint fails", func(t *testing.T) {
		e.srv.FailTokenNext(500, 1)
		_, err := e.bare.Oauth2.Oauth2AccessToken(&oauth2.Oauth2AccessTokenParams{
			ClientID: e.srv.ClientID, ClientSecret: e.srv.ClientSecret, Context: e.ctx,
		})
		var ise *oauth2.Oauth2AccessTokenInternalServerError
		if !errors.As(err, &ise) {
			t.Fatalf("err = %T %v, want *Oauth2AccessTokenInternalServerError", err, err)
		}
	})
	t.Run("revoke without basic auth", func(t *testing.T) {
		_, err := e.bare.Oauth2.Oauth2RevokeToken(&oauth2.Oauth2RevokeTokenParams{
			Token: e.srv.IssueToken(), Context: e.ctx,
		})
		var forbidden *oauth2.Oauth2RevokeTokenForbidden
		if !errors.As(err, &forbidden) {
			t.Fatalf("err = %T %v, want *Oauth2RevokeTokenForbidden", err, err)
		}
	})
}

// TestOAuth2_ClientCredentials checks the flow falcon.NewClient sets up:
// one token for many calls, and a 401 (no retry) once the server expires it.
func TestOAuth2_ClientCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for range 3 {
		if _, err := e.api.Ioc.PlatformQueryV1(&ioc.PlatformQueryV1Params{Context: e.ctx}); err != nil {
			t.Fatalf("PlatformQueryV1: %v", err)
		}
	}
	if n := e.spec.Seen()["oauth2AccessToken"]; n != 1 {
		t.Errorf("token requests = %d for three calls, want 1", n)
	}
	e.srv.ExpireTokens()
	_, err := e.api.Ioc.PlatformQueryV1(&ioc.PlatformQueryV1Params{Context: e.ctx})
	assertAPIError(t, err, 401)
}

// clientWithToken builds gofalcon's client for a fixed access token.
func (e *env) clientWithToken(t *testing.T, token string) *client.CrowdStrikeAPISpecification {
	t.Helper()
	u, err := url.Parse(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := falcon.NewClient(&falcon.ApiConfig{AccessToken: token, HostOverride: u.Host, Context: e.hctx})
	if err != nil {
		t.Fatalf("falcon.NewClient: %v", err)
	}
	return c
}

// assertAPIError checks that err is gofalcon's generic error for a status
// the operation does not declare.
func assertAPIError(t *testing.T, err error, code int) {
	t.Helper()
	var apiErr *runtime.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %T %v, want *runtime.APIError", err, err)
	}
	if !apiErr.IsCode(code) {
		t.Errorf("APIError code = %d, want %d", apiErr.Code, code)
	}
}
