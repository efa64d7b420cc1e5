package schemacli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client is the small slice of the registry API the CLI needs.
type Client struct {
	base     string
	userInfo string
	http     *http.Client
}

// NewClient returns a client for the registry at baseURL. userInfo is
// "user:password" for basic auth, as Confluent clients take it in
// basic.auth.user.info; empty means none.
func NewClient(baseURL, userInfo string) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("parsing registry url %q: want http(s)://host:port", baseURL)
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), userInfo: userInfo, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

type latest struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
	ID      int    `json:"id"`
	Schema  string `json:"schema"`
}

// Latest returns the subject's latest version, or ErrSubjectNotFound.
func (c *Client) Latest(ctx context.Context, subject string) (latest, error) {
	var out latest
	err := c.do(ctx, http.MethodGet, "/subjects/"+url.PathEscape(subject)+"/versions/latest", nil, &out)
	var ae *APIError
	if asAPIError(err, &ae) && ae.Code == 40401 {
		return out, ErrSubjectNotFound
	}
	return out, err
}

// CompatResult is the verbose answer of the compatibility endpoint.
type CompatResult struct {
	IsCompatible bool     `json:"is_compatible"`
	Messages     []string `json:"messages"`
}

// Check asks whether schema may become the subject's next version.
func (c *Client) Check(ctx context.Context, subject, schema string) (CompatResult, error) {
	var out CompatResult
	err := c.do(ctx, http.MethodPost, "/compatibility/subjects/"+url.PathEscape(subject)+"/versions/latest?verbose=true",
		map[string]any{"schema": schema}, &out)
	return out, err
}

// Config returns the effective compatibility level of subject.
func (c *Client) Config(ctx context.Context, subject string) (string, error) {
	var out struct {
		Level string `json:"compatibilityLevel"`
	}
	err := c.do(ctx, http.MethodGet, "/config/"+url.PathEscape(subject)+"?defaultToGlobal=true", nil, &out)
	return out.Level, err
}

// Register registers schema under subject and returns its global id.
func (c *Client) Register(ctx context.Context, subject, schema string) (int, error) {
	var out struct {
		ID int `json:"id"`
	}
	err := c.do(ctx, http.MethodPost, "/subjects/"+url.PathEscape(subject)+"/versions", map[string]any{"schema": schema}, &out)
	return out.ID, err
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encoding request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Accept", "application/vnd.schemaregistry.v1+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	}
	if user, pass, ok := strings.Cut(c.userInfo, ":"); ok {
		req.SetBasicAuth(user, pass)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("calling registry %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("reading registry answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		ae := &APIError{Status: resp.StatusCode}
		if json.Unmarshal(raw, ae) != nil || ae.Message == "" {
			ae.Message = strings.TrimSpace(string(raw))
		}
		return ae
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decoding registry answer to %s %s: %w", method, path, err)
	}
	return nil
}

func asAPIError(err error, target **APIError) bool {
	ae, ok := err.(*APIError)
	if ok {
		*target = ae
	}
	return ok
}
