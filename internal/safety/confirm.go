package safety

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"
)

// Confirmation errors. Each message tells the caller what to do next.
var (
	ErrTokenUnknown  = errors.New("confirm_token is unknown or was already used: call the tool again without confirm_token to get a fresh preview and token")
	ErrTokenExpired  = errors.New("confirm_token has expired: call the tool again without confirm_token to get a fresh preview and token")
	ErrTokenMismatch = errors.New("confirm_token was issued for a different tool, target, arguments or client: a token only confirms exactly the call it previewed; call again without confirm_token to preview this one")
	// ErrEffectChanged means the arguments match but what the call would
	// do has changed since the preview (new snapshots that a restore would
	// delete, a recovery point or VM modified): the user agreed to
	// something else. The grant is used up; a fresh preview is needed.
	ErrEffectChanged = errors.New("what this call would change is no longer what the preview showed")
	// ErrUnsolicited is an elicitation answer for a confirmation this
	// server never asked for in this call (no request state, or one that
	// is unknown, used, expired or bound to another call or session).
	ErrUnsolicited = errors.New("refused: the call carried a confirmation answer for a request this server did not send (no matching request state); confirmations cannot be supplied in advance")
)

// Binding is what a confirmation confirms: one tool on one target with
// exactly these arguments, for one principal (and session, for elicitation),
// and the state of the world the preview showed.
type Binding struct {
	Tool   string
	Target string
	Args   map[string]any // without confirm_token
	// Principal is who asked: the bearer token's identity over HTTP, the
	// local user over stdio. A grant never crosses principals.
	Principal string
	// Session is the MCP session id where there is one; it binds
	// elicitation state only (a confirm token may be redeemed from a new
	// session of the same principal).
	Session string
	// Effect is a stable fingerprint of the state the preview showed (the
	// snapshots a restore deletes, ETags): nothing that moves with the
	// clock. Redeeming with another effect fails with ErrEffectChanged.
	Effect any
}

func digest(v any) (string, error) {
	// encoding/json sorts map keys, so equal values give equal bytes.
	raw, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("canonicalize confirmation binding: %w", err)
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:]), nil
}

func (b Binding) digests(withSession bool) (call, effect string, err error) {
	sess := ""
	if withSession {
		sess = b.Session
	}
	call, err = digest(struct {
		Tool      string         `json:"tool"`
		Target    string         `json:"target"`
		Args      map[string]any `json:"args"`
		Principal string         `json:"principal"`
		Session   string         `json:"session"`
	}{b.Tool, b.Target, b.Args, b.Principal, sess})
	if err != nil {
		return "", "", err
	}
	effect, err = digest(b.Effect)
	return call, effect, err
}

// grant kinds: a confirm token handed to the model, or the opaque request
// state of an elicitation the server sent. Neither redeems as the other.
const (
	kindToken = "ct_"
	kindState = "cs_"
)

type issued struct {
	kind    string
	call    string
	effect  string
	expires time.Time
}

// Tokens issues and redeems single-use confirmation grants: confirm tokens
// and elicitation request states. Grants live in memory (a restarted server
// forgets them, which fails safe) unless a GrantStore shared by several
// server replicas keeps them (WithStore).
type Tokens struct {
	mu     sync.Mutex
	ttl    time.Duration
	now    func() time.Time
	byCode map[string]issued
	store  GrantStore
}

// Grant is a confirmation grant as a GrantStore keeps it: digests only,
// never the arguments.
type Grant struct {
	Kind, Call, Effect string
	Expires            time.Time
}

// GrantStore keeps grants outside the process, so that server replicas
// sharing it honour a grant issued by any of them, and only once.
type GrantStore interface {
	Put(ctx context.Context, code string, g Grant) error
	// Get returns the grant of code (false when there is none).
	Get(ctx context.Context, code string) (Grant, bool, error)
	// Take removes code and reports whether this call removed it: of
	// two replicas redeeming one grant at once, exactly one wins.
	Take(ctx context.Context, code string) (bool, error)
}

// WithStore keeps t's grants in s instead of memory.
func (t *Tokens) WithStore(s GrantStore) *Tokens {
	t.store = s
	return t
}

// storeTimeout bounds a GrantStore call within the caller's context.
const storeTimeout = 10 * time.Second

// NewTokens returns a store whose grants last ttl. now is time.Now outside
// tests.
func NewTokens(ttl time.Duration, now func() time.Time) *Tokens {
	if now == nil {
		now = time.Now
	}
	return &Tokens{ttl: ttl, now: now, byCode: map[string]issued{}}
}

// Issue returns a new confirm token for b and when it expires.
func (t *Tokens) Issue(ctx context.Context, b Binding) (string, time.Time, error) {
	return t.issue(ctx, kindToken, b)
}

// IssueState returns the request state of an elicitation sent for b; the
// answer is accepted only with it (RedeemState), in the same session.
func (t *Tokens) IssueState(ctx context.Context, b Binding) (string, time.Time, error) {
	return t.issue(ctx, kindState, b)
}

func (t *Tokens) issue(ctx context.Context, kind string, b Binding) (string, time.Time, error) {
	call, effect, err := b.digests(kind == kindState)
	if err != nil {
		return "", time.Time{}, err
	}
	var buf [16]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("generate confirmation grant: %w", err)
	}
	code := kind + hex.EncodeToString(buf[:])
	if t.store != nil {
		exp := t.now().Add(t.ttl)
		ctx, cancel := context.WithTimeout(ctx, storeTimeout)
		defer cancel()
		if err := t.store.Put(ctx, code, Grant{Kind: kind, Call: call, Effect: effect, Expires: exp}); err != nil {
			return "", time.Time{}, fmt.Errorf("store confirmation grant: %w", err)
		}
		return code, exp, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for k, v := range t.byCode { // drop expired ones so the map stays small
		if now.After(v.expires) {
			delete(t.byCode, k)
		}
	}
	exp := now.Add(t.ttl)
	t.byCode[code] = issued{kind: kind, call: call, effect: effect, expires: exp}
	return code, exp, nil
}

// Redeem checks a confirm token against b and, when it matches, uses it up.
// A token presented for another call stays valid for the call it
// previewed; one whose call matches but whose effect changed is used up and
// fails with ErrEffectChanged.
func (t *Tokens) Redeem(ctx context.Context, code string, b Binding) error {
	if !strings.HasPrefix(code, kindToken) {
		return ErrTokenUnknown
	}
	return t.redeem(ctx, kindToken, code, b)
}

// RedeemState checks an elicitation answer's request state against b, as
// Redeem does for tokens. Any failure but ErrEffectChanged is ErrUnsolicited.
func (t *Tokens) RedeemState(ctx context.Context, state string, b Binding) error {
	if !strings.HasPrefix(state, kindState) {
		return ErrUnsolicited
	}
	err := t.redeem(ctx, kindState, state, b)
	if err != nil && !errors.Is(err, ErrEffectChanged) {
		return fmt.Errorf("%w (%v)", ErrUnsolicited, err)
	}
	return err
}

func (t *Tokens) redeem(ctx context.Context, kind, code string, b Binding) error {
	call, effect, err := b.digests(kind == kindState)
	if err != nil {
		return err
	}
	if t.store != nil {
		return t.redeemStored(ctx, kind, code, call, effect)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	is, ok := t.byCode[code]
	switch {
	case !ok || is.kind != kind:
		return ErrTokenUnknown
	case t.now().After(is.expires):
		delete(t.byCode, code)
		return ErrTokenExpired
	case is.call != call:
		return ErrTokenMismatch
	}
	delete(t.byCode, code)
	if is.effect != effect {
		return ErrEffectChanged
	}
	return nil
}

// redeemStored is redeem over the GrantStore, with the same outcomes; a
// grant another replica took first is unknown.
func (t *Tokens) redeemStored(ctx context.Context, kind, code, call, effect string) error {
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	g, ok, err := t.store.Get(ctx, code)
	if err != nil {
		return fmt.Errorf("read confirmation grant: %w", err)
	}
	switch {
	case !ok || g.Kind != kind:
		return ErrTokenUnknown
	case t.now().After(g.Expires):
		_, _ = t.store.Take(ctx, code)
		return ErrTokenExpired
	case g.Call != call:
		return ErrTokenMismatch
	}
	took, err := t.store.Take(ctx, code)
	if err != nil {
		return fmt.Errorf("use confirmation grant: %w", err)
	}
	if !took {
		return ErrTokenUnknown
	}
	if g.Effect != effect {
		return ErrEffectChanged
	}
	return nil
}

type principalKey struct{}

// WithPrincipal returns ctx carrying who is calling (for HTTP, an identity
// derived from the bearer token; never the token itself).
func WithPrincipal(ctx context.Context, principal string) context.Context {
	return context.WithValue(ctx, principalKey{}, principal)
}

// LocalPrincipal is who calls over stdio and on the command line: the
// OS user running the process (os/user; when the user database cannot
// say, $USER, then $USERNAME), "local" when nothing names one. The audit
// and run approvals record it, and workflows.roles grant it roles.
func LocalPrincipal() string { return localPrincipal(user.Current, os.Getenv) }

func localPrincipal(current func() (*user.User, error), getenv func(string) string) string {
	if u, err := current(); err == nil && u.Username != "" {
		return u.Username
	}
	for _, k := range []string{"USER", "USERNAME"} {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
	}
	return "local"
}

// PrincipalFrom returns the caller's identity, "local" when none was set
// (in-process callers; stdio and the CLI set LocalPrincipal).
func PrincipalFrom(ctx context.Context) string {
	if p, ok := ctx.Value(principalKey{}).(string); ok && p != "" {
		return p
	}
	return "local"
}

// TokenPrincipal derives a principal from a bearer token: a short hash, so
// the identity can be logged and compared without revealing the secret.
func TokenPrincipal(token string) string {
	sum := sha256.Sum256([]byte("recovery-mcp principal\x00" + token))
	return "token:" + hex.EncodeToString(sum[:6])
}
