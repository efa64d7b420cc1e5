package main

import (
	"github.com/spf13/cobra"

	"github.com/retailpulse/retailpulse/schema-registry/schemacli"
)

func newSchemasCommand() *cobra.Command {
	var url, userInfo string
	cmd := &cobra.Command{
		Use:   "schemas",
		Short: "Evolve schemas safely: diff, check and register .avsc files against the registry",
		Long: `Compare a local .avsc file with the subject's latest registered version, print what changed
field by field, and ask the registry whether its compatibility level accepts the change —
before anything is registered. 'check' exits non-zero when the change is incompatible, so it
can gate a CI pipeline; 'register' registers only compatible schemas.`,
	}
	cmd.PersistentFlags().StringVar(&url, "schema-registry-url", "http://127.0.0.1:8081", "Schema Registry base URL")
	cmd.PersistentFlags().StringVar(&userInfo, "schema-registry-user-info", "", "basic auth credentials as user:password (like basic.auth.user.info)")

	// run adapts a subcommand body to the shared argument handling: a client
	// for the registry and the schema text of the file argument.
	run := func(body func(cmd *cobra.Command, c *schemacli.Client, subject, text string) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, a []string) error {
			c, err := schemacli.NewClient(url, userInfo)
			if err != nil {
				return err
			}
			text, err := schemacli.ReadSchemaFile(a[1])
			if err != nil {
				return err
			}
			return body(cmd, c, a[0], text)
		}
	}
	args := cobra.ExactArgs(2)

	cmd.AddCommand(&cobra.Command{
		Use:   "diff <subject> <file.avsc>",
		Short: "Print the field-level changes from the subject's latest version to the file",
		Args:  args,
		RunE: run(func(cmd *cobra.Command, c *schemacli.Client, subject, text string) error {
			latest, err := c.Latest(cmd.Context(), subject)
			if err != nil {
				return err
			}
			changes, err := schemacli.Diff(latest.Schema, text)
			if err != nil {
				return err
			}
			if len(changes) == 0 {
				cmd.Println("no field changes")
			}
			cmd.Print(schemacli.String(changes))
			return nil
		}),
	}, &cobra.Command{
		Use:   "check <subject> <file.avsc>",
		Short: "Diff and test compatibility without registering; exits 1 when incompatible",
		Args:  args,
		RunE: run(func(cmd *cobra.Command, c *schemacli.Client, subject, text string) error {
			r, err := schemacli.Check(cmd.Context(), c, subject, text)
			if err != nil {
				return err
			}
			r.Print(cmd.OutOrStdout())
			if !r.Compatible {
				return schemacli.ErrIncompatible
			}
			return nil
		}),
	}, &cobra.Command{
		Use:   "register <subject> <file.avsc>",
		Short: "Diff, check, and register the schema only if it is compatible",
		Args:  args,
		RunE: run(func(cmd *cobra.Command, c *schemacli.Client, subject, text string) error {
			_, err := schemacli.Register(cmd.Context(), c, subject, text, cmd.OutOrStdout())
			return err
		}),
	})
	return cmd
}
