import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { setLanguage } from '../i18n';
import type { Task } from '../workspace/client';
import { TaskProgress, etaText, tasksToShow } from '../workspace/parts';

afterEach(() => setLanguage('en'));

const task = (overrides: Partial<Task>): Task => ({
  task_id: 't1', kind: 'profile', state: 'running', done: 1, total: 4, eta_seconds: 42, message: null,
  error_code: null, created_on: '2026-12-01T20:00:00', ...overrides,
});  // prettier-ignore

describe('task progress', () => {
  it('shows done/total as a bar and the ETA, in English and Russian', () => {
    const { unmount } = render(<TaskProgress task={task({})} />);
    expect(screen.getByText('Data profile: running')).toBeTruthy();
    expect(screen.getByText('1 of 4 steps')).toBeTruthy();
    expect(screen.getByText('about 42 s left')).toBeTruthy();
    expect(screen.getByRole('progressbar', { name: 'Progress of Data profile' }).getAttribute('aria-valuenow')).toBe('25');
    unmount();
    setLanguage('ru');
    render(<TaskProgress task={task({ kind: 'ai_draft', eta_seconds: 600 })} />);
    expect(screen.getByText('Черновики значений от ИИ: выполняется')).toBeTruthy();
    expect(screen.getByText('шагов: 1 из 4')).toBeTruthy();
    expect(screen.getByText('осталось около 10 мин')).toBeTruthy();
  });

  it('says why a task failed, without a bar, and shows no ETA it does not know', () => {
    render(<TaskProgress task={task({ state: 'failed', eta_seconds: null, message: 'The worker stopped answering' })} />);
    expect(screen.getByText('Data profile: failed')).toBeTruthy();
    expect(screen.getByText('The worker stopped answering')).toBeTruthy();
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.queryByText(/left/)).toBeNull();
  });

  it('lists running tasks and the newest failure of a kind, not older failures or finished ones', () => {
    const shown = tasksToShow([
      task({ task_id: 'a', kind: 'ai_draft', state: 'running' }),
      task({ task_id: 'b', kind: 'profile', state: 'failed' }),
      task({ task_id: 'c', kind: 'profile', state: 'failed' }),
      task({ task_id: 'd', kind: 'ai_draft', state: 'done' }),
    ]);
    expect(shown.map((each) => each.task_id)).toEqual(['a', 'b']);
    expect(tasksToShow([task({ task_id: 'e', state: 'done' }), task({ task_id: 'f', state: 'failed' })])).toEqual([]);
    expect(etaText(0.2)).toBe('about 1 s left');
  });
});
