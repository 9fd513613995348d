package kit

import (
	"errors"

	"github.com/recovery-mcp/recovery-mcp/internal/ops"
)

// FromOps maps an internal/ops error onto a tool error of the same kind,
// message and hint; other errors pass unchanged.
func FromOps(err error) error {
	var oe *ops.Error
	if !errors.As(err, &oe) {
		return err
	}
	kind := map[ops.Kind]ErrorKind{ops.KindNotFound: KindNotFound, ops.KindInvalidArgs: KindInvalidArgs,
		ops.KindConflict: KindConflict, ops.KindPrecheck: KindConflict}[oe.Kind]
	if kind == "" {
		kind = KindBackend
	}
	return &Error{Kind: kind, Msg: oe.Msg, Hint: oe.Hint, Err: err}
}
