package safety

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Token errors. Each message tells the caller what to do next.
var (
	ErrTokenUnknown  = errors.New("confirm_token is unknown or was already used: call the tool again without confirm_token to get a fresh preview and token")
	ErrTokenExpired  = errors.New("confirm_token has expired: call the tool again without confirm_token to get a fresh preview and token")
	ErrTokenMismatch = errors.New("confirm_token was issued for a different tool, target or arguments: a token only confirms exactly the call it previewed; call again without confirm_token to preview this one")
)

// Binding is what a confirm token confirms: one tool on one target with
// exactly these arguments.
type Binding struct {
	Tool   string
	Target string
	Args   map[string]any // without confirm_token
}

func (b Binding) digest() (string, error) {
	// encoding/json sorts map keys, so equal arguments give equal bytes.
	raw, err := json.Marshal(struct {
		Tool   string         `json:"tool"`
		Target string         `json:"target"`
		Args   map[string]any `json:"args"`
	}{b.Tool, b.Target, b.Args})
	if err != nil {
		return "", fmt.Errorf("canonicalize arguments: %w", err)
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:]), nil
}

type issued struct {
	digest  string
	expires time.Time
}

// Tokens issues and redeems single-use confirm tokens. Tokens live in memory
// only: a restarted server forgets them, which fails safe.
type Tokens struct {
	mu     sync.Mutex
	ttl    time.Duration
	now    func() time.Time
	byCode map[string]issued
}

// NewTokens returns a store whose tokens last ttl. now is time.Now outside
// tests.
func NewTokens(ttl time.Duration, now func() time.Time) *Tokens {
	if now == nil {
		now = time.Now
	}
	return &Tokens{ttl: ttl, now: now, byCode: map[string]issued{}}
}

// Issue returns a new token for b and when it expires.
func (t *Tokens) Issue(b Binding) (string, time.Time, error) {
	d, err := b.digest()
	if err != nil {
		return "", time.Time{}, err
	}
	var buf [16]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("generate confirm token: %w", err)
	}
	code := "ct_" + hex.EncodeToString(buf[:])
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for k, v := range t.byCode { // drop expired ones so the map stays small
		if now.After(v.expires) {
			delete(t.byCode, k)
		}
	}
	exp := now.Add(t.ttl)
	t.byCode[code] = issued{digest: d, expires: exp}
	return code, exp, nil
}

// Redeem checks code against b and, when it matches, uses it up. A token
// presented for other arguments stays valid for the call it previewed.
func (t *Tokens) Redeem(code string, b Binding) error {
	d, err := b.digest()
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	is, ok := t.byCode[code]
	switch {
	case !ok:
		return ErrTokenUnknown
	case t.now().After(is.expires):
		delete(t.byCode, code)
		return ErrTokenExpired
	case is.digest != d:
		return ErrTokenMismatch
	}
	delete(t.byCode, code)
	return nil
}
