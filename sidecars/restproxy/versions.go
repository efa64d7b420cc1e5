package restproxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// versionClient fetches GET /subjects/{subject}/versions/{version}. The
// serde client covers ids, registration and lookup but does not expose
// version numbers, which v3 produce takes (schema_version) and reports.
type versionClient struct {
	base       string
	user, pass string
	hc         *http.Client
	timeout    time.Duration
}

type versionAnswer struct {
	Subject    string `json:"subject"`
	Version    int    `json:"version"`
	ID         int    `json:"id"`
	Schema     string `json:"schema"`
	SchemaType string `json:"schemaType"`
}

func newVersionClient(base, userInfo string, timeout time.Duration) *versionClient {
	vc := &versionClient{base: strings.TrimRight(base, "/"), hc: &http.Client{}, timeout: timeout}
	if userInfo != "" {
		vc.user, vc.pass, _ = strings.Cut(userInfo, ":")
	}
	return vc
}

func (c *versionClient) get(ctx context.Context, subject, version string) (*versionAnswer, error) {
	// Detached from the caller so one impatient request cannot fail the
	// others sharing this fetch; the client timeout still bounds it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()
	u := c.base + "/subjects/" + url.PathEscape(subject) + "/versions/" + url.PathEscape(version)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("building registry request: %w", err)
	}
	req.Header.Set("Accept", "application/vnd.schemaregistry.v1+json, application/json")
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	op := fmt.Sprintf("fetching version %s of subject %s", version, subject)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, errUnavailable(codeRegistryUnavailable, "Schema registry unavailable: %s: %v", op, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, errUnavailable(codeRegistryUnavailable, "Schema registry unavailable: %s: reading answer: %v", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		var eb struct {
			Code    int    `json:"error_code"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(body, &eb)
		switch {
		case resp.StatusCode == http.StatusNotFound && (eb.Code == 40401 || eb.Code == 40402):
			return nil, errUnprocessable(codeInvalidSchema, "Invalid schema: %s: %s", op, eb.Message)
		case resp.StatusCode == http.StatusUnprocessableEntity:
			return nil, errBadRequest("%s: %s", op, eb.Message)
		case resp.StatusCode >= 500:
			return nil, errUnavailable(codeRegistryUnavailable, "Schema registry unavailable: %s: HTTP %d %s", op, resp.StatusCode, eb.Message)
		}
		return nil, newAPIError(http.StatusInternalServerError, http.StatusInternalServerError,
			"%s: registry answered HTTP %d: %s", op, resp.StatusCode, eb.Message)
	}
	var ans versionAnswer
	if err := json.Unmarshal(body, &ans); err != nil {
		return nil, newAPIError(http.StatusInternalServerError, http.StatusInternalServerError, "%s: undecodable answer: %v", op, err)
	}
	if ans.SchemaType != "" && ans.SchemaType != "AVRO" {
		return nil, errUnprocessable(codeInvalidSchema, "Invalid schema: %s: schema type %s, only AVRO is supported", op, ans.SchemaType)
	}
	if ans.ID <= 0 {
		return nil, newAPIError(http.StatusInternalServerError, http.StatusInternalServerError, "%s: %v", op, errors.New("answer carries no schema id"))
	}
	return &ans, nil
}
