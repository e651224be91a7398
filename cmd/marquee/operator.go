package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/marquee-ott/marquee/operators"
	"github.com/marquee-ott/marquee/platform"
)

func init() {
	register("operator", "manage platform operators: create, reset or list (needs MARQUEE_MIGRATE_DATABASE_URL)", runOperator)
}

// runOperator is `marquee operator create|reset|list [--email E]`. It
// connects as the migrating role, the only one that may write operator
// accounts: the API server cannot make an operator.
func runOperator(ctx context.Context, args []string) error {
	fs := newFlags("operator")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `marquee operator: %s

  marquee operator create --email E   make an operator; prints a generated password once
  marquee operator reset --email E    new password, authenticator removed, sessions ended
  marquee operator list               every operator, and whether it has an authenticator

flags:
`, commands["operator"].summary)
		fs.PrintDefaults()
	}
	email := fs.String("email", "", "the operator's email address")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs.Usage()
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errors.New("say create, reset or list")
	}
	sub := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if sub != "list" && *email == "" {
		return fmt.Errorf("%s needs --email", sub)
	}
	cfg, err := platform.LoadConfig()
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, cfg.MigrateDatabaseURL)
	if err != nil {
		return fmt.Errorf("MARQUEE_MIGRATE_DATABASE_URL: %w", err)
	}
	defer pool.Close()
	login := strings.TrimSuffix(cfg.BaseURL, "/") + "/console/#/operator/login"
	switch sub {
	case "create":
		op, pw, err := operators.CreateOperator(ctx, pool, *email, time.Now())
		if err != nil {
			return err
		}
		fmt.Printf(`Operator %s created.

  Password: %s

It is shown this once; Marquee keeps only its hash. Sign in at
  %s
The first sign-in sets up an authenticator app (TOTP); every sign-in needs a code from it.
`, op.Email, pw, login)
	case "reset":
		pw, err := operators.ResetOperator(ctx, pool, *email, time.Now())
		if err != nil {
			return err
		}
		fmt.Printf(`Operator %s reset: their sessions are ended and their authenticator removed.

  New password: %s

It is shown this once. The next sign-in at
  %s
sets up a new authenticator app.
`, *email, pw, login)
	case "list":
		list, err := operators.ListOperators(ctx, pool)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tAUTHENTICATOR\tCREATED")
		for _, a := range list {
			enrolled := "not yet"
			if a.Enrolled {
				enrolled = "enrolled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", a.Email, enrolled, a.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	default:
		fs.Usage()
		return fmt.Errorf("unknown subcommand %q: say create, reset or list", sub)
	}
	return nil
}
