package nutanix

import (
	"context"
	"fmt"
	"time"
)

// GetTask returns a task.
func (c *Client) GetTask(ctx context.Context, extID string) (*Task, error) {
	var t Task
	if _, err := c.get(ctx, nsPrism, pathTasks+"/"+esc(extID), &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// ListTasks returns one page of tasks.
func (c *Client) ListTasks(ctx context.Context, o ListOptions) (*Page[Task], error) {
	return list[Task](ctx, c, nsPrism, pathTasks, o)
}

// WaitTask polls a task until it ends, ctx is done, or polling fails.
// Polls back off exponentially from Options.PollInterval to
// PollMaxInterval. progress (may be nil) is called after the first poll and
// whenever the status or percentage changes. It returns the finished task;
// a FAILED or CANCELED task also returns a *TaskError. When ctx ends first
// the last task seen is returned with ctx's error.
func (c *Client) WaitTask(ctx context.Context, taskExtID string, progress func(TaskProgress)) (*Task, error) {
	interval := c.opts.PollInterval
	var last *Task
	var lastStatus string
	lastPct := -1
	for {
		t, err := c.GetTask(ctx, taskExtID)
		if err != nil {
			if ctx.Err() != nil {
				return last, fmt.Errorf("nutanix: waiting for task %s: %w", taskExtID, ctx.Err())
			}
			return last, err
		}
		last = t
		if progress != nil && (t.Status != lastStatus || t.ProgressPercentage != lastPct) {
			progress(progressOf(t))
		}
		lastStatus, lastPct = t.Status, t.ProgressPercentage
		switch t.Status {
		case TaskSucceeded:
			return t, nil
		case TaskFailed, TaskCanceled:
			return t, &TaskError{Task: t, Status: t.Status, Messages: t.ErrorMessages}
		}
		timer := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return last, fmt.Errorf("nutanix: waiting for task %s (last %s %d%%): %w", taskExtID, t.Status, t.ProgressPercentage, ctx.Err())
		case <-timer.C:
		}
		interval = min(interval*2, c.opts.PollMaxInterval)
	}
}

func progressOf(t *Task) TaskProgress {
	op := t.OperationDescription
	if op == "" {
		op = t.Operation
	}
	if op == "" {
		op = "Task " + t.ExtID
	}
	msg := fmt.Sprintf("%s: %s (%d%%)", op, t.Status, t.ProgressPercentage)
	if t.Status == TaskFailed && len(t.ErrorMessages) > 0 {
		msg += ": " + t.ErrorMessages[0].Message
	}
	return TaskProgress{TaskExtID: t.ExtID, Operation: t.Operation, Status: t.Status, Percent: t.ProgressPercentage, Message: msg}
}
