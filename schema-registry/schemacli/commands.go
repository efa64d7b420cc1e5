package schemacli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Report is what Check found, for printing and for callers.
type Report struct {
	Subject       string
	LatestVersion int // 0 when the subject is new
	LatestID      int
	Level         string
	Changes       []Change
	Compatible    bool
	Messages      []string
}

// ReadSchemaFile reads an .avsc file.
func ReadSchemaFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading schema file: %w", err)
	}
	return string(b), nil
}

// Check compares schema with the subject's latest version and asks the
// registry whether it may be registered. It registers nothing.
func Check(ctx context.Context, c *Client, subject, schema string) (Report, error) {
	r := Report{Subject: subject}
	cur, err := c.Latest(ctx, subject)
	switch {
	case errors.Is(err, ErrSubjectNotFound):
		r.Compatible = true
		return r, nil
	case err != nil:
		return r, err
	}
	r.LatestVersion, r.LatestID = cur.Version, cur.ID
	if r.Changes, err = Diff(cur.Schema, schema); err != nil {
		return r, err
	}
	if r.Level, err = c.Config(ctx, subject); err != nil {
		return r, err
	}
	res, err := c.Check(ctx, subject, schema)
	if err != nil {
		return r, err
	}
	r.Compatible, r.Messages = res.IsCompatible, res.Messages
	return r, nil
}

// Print writes r for people.
func (r Report) Print(w io.Writer) {
	if r.LatestVersion == 0 {
		fmt.Fprintf(w, "subject %s has no versions yet: this schema would be version 1\n", r.Subject)
		return
	}
	fmt.Fprintf(w, "subject %s: latest version %d (id %d), compatibility %s\n", r.Subject, r.LatestVersion, r.LatestID, r.Level)
	if len(r.Changes) == 0 {
		fmt.Fprintln(w, "no field changes")
	} else {
		fmt.Fprintf(w, "%d change(s):\n", len(r.Changes))
		for _, c := range r.Changes {
			fmt.Fprintf(w, "  %s\n", c.Human)
		}
	}
	if r.Compatible {
		fmt.Fprintf(w, "compatible under %s\n", r.Level)
		return
	}
	fmt.Fprintf(w, "INCOMPATIBLE under %s:\n", r.Level)
	for _, m := range r.Messages {
		// The old schema's full text is for machines; people have the diff above.
		if strings.HasPrefix(m, "{oldSchema: ") {
			continue
		}
		fmt.Fprintf(w, "  %s\n", m)
	}
}

// Register checks schema and registers it only when compatible.
func Register(ctx context.Context, c *Client, subject, schema string, w io.Writer) (int, error) {
	r, err := Check(ctx, c, subject, schema)
	if err != nil {
		return 0, err
	}
	r.Print(w)
	if !r.Compatible {
		return 0, fmt.Errorf("registering %s: %w", subject, ErrIncompatible)
	}
	id, err := c.Register(ctx, subject, schema)
	if err != nil {
		return 0, fmt.Errorf("registering %s: %w", subject, err)
	}
	fmt.Fprintf(w, "registered %s: id %d\n", subject, id)
	return id, nil
}
