package topics

import (
	"context"
	"fmt"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/lifecycle"
)

// Provisioner creates the blueprint topics as a lifecycle step, so every later
// component finds its topics. It is idempotent across restarts.
type Provisioner struct {
	kc     kclient.Config
	specs  []kclient.TopicSpec
	logger *zap.Logger
	// Results holds what the last Start did, for reporting.
	Results []kclient.TopicResult
}

var _ lifecycle.Component = (*Provisioner)(nil)

// NewProvisioner returns a provisioner of specs on the cluster kc points at.
func NewProvisioner(kc kclient.Config, specs []kclient.TopicSpec, logger *zap.Logger) *Provisioner {
	return &Provisioner{kc: kc, specs: specs, logger: logger}
}

// Name implements lifecycle.Component.
func (p *Provisioner) Name() string { return "topics" }

// Start creates missing topics and checks existing ones.
func (p *Provisioner) Start(ctx context.Context) error {
	admin, err := kafka.NewAdminClient(p.kc.Admin("topics"))
	if err != nil {
		return fmt.Errorf("creating admin client: %w", err)
	}
	defer admin.Close()
	res, err := kclient.EnsureTopics(ctx, admin, p.specs)
	if err != nil {
		return err
	}
	p.Results = res
	created := 0
	for _, r := range res {
		if r.Created {
			created++
		}
	}
	if created > 0 {
		p.logger.Info("created topics", zap.Int("created", created), zap.Int("total", len(res)))
	}
	return nil
}

// Ready implements lifecycle.Component; Start already did all the work.
func (p *Provisioner) Ready(context.Context) error { return nil }

// Endpoints implements lifecycle.Component.
func (p *Provisioner) Endpoints() []lifecycle.Endpoint { return nil }

// Stop implements lifecycle.Component.
func (p *Provisioner) Stop(context.Context) error { return nil }
