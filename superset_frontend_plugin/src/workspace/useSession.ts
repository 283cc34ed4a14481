// The store of one session view: the session, what is in flight, and the last error with what to do about it.
// Every action replaces the session with the server's answer; on a 409 the user's input stays where it was typed.

import { useCallback, useEffect, useReducer, useRef } from 'react';
import { ApiError, api, type Session } from './client';

export interface SessionState {
  session: Session | null;
  busy: string | null;
  error: ApiError | null;
}

type Event =
  | { type: 'loaded'; session: Session }
  | { type: 'busy'; action: string }
  | { type: 'failed'; error: ApiError }
  | { type: 'dismiss' };

export function reducer(state: SessionState, event: Event): SessionState {
  switch (event.type) {
    case 'loaded':
      return { session: event.session, busy: null, error: null };
    case 'busy':
      return { ...state, busy: event.action, error: null };
    case 'failed':
      return { ...state, busy: null, error: event.error };
    case 'dismiss':
      return { ...state, error: null };
  }
}

const POLL_MS = 1500;

export function useSession(id: number) {
  const [state, dispatch] = useReducer(reducer, { session: null, busy: null, error: null });
  const alive = useRef(true);

  const reload = useCallback(async () => {
    try {
      const session = await api.get(id);
      if (alive.current) dispatch({ type: 'loaded', session });
    } catch (error) {
      if (alive.current) dispatch({ type: 'failed', error: error as ApiError });
    }
  }, [id]);

  /** Run an action on the current session; resolves true when it succeeded. */
  const act = useCallback(
    async (name: string, action: (session: Session) => Promise<Session>): Promise<boolean> => {
      if (!state.session) return false;
      dispatch({ type: 'busy', action: name });
      try {
        const session = await action(state.session);
        if (alive.current) dispatch({ type: 'loaded', session });
        return true;
      } catch (error) {
        if (alive.current) dispatch({ type: 'failed', error: error as ApiError });
        return false;
      }
    },
    [state.session],
  );

  useEffect(() => {
    alive.current = true;
    void reload();
    return () => {
      alive.current = false;
    };
  }, [reload]);

  // While a task of the worker runs, what it finds appears as it arrives.
  const running = (state.session?.tasks ?? []).some((task) => ['queued', 'running'].includes(task.state));
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => void reload(), POLL_MS);
    return () => clearInterval(timer);
  }, [running, reload]);

  return { ...state, reload, act, dismiss: () => dispatch({ type: 'dismiss' }) };
}
