import { describe, expect, it, vi } from 'vitest';
import { fetchHealth, HEALTH_URL, HealthError, isHealthReport } from '../api';
import { degradedReport, downReport, jsonResponse, okReport } from './fixtures';

async function failure(promise: Promise<unknown>): Promise<HealthError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HealthError);
    return error as HealthError;
  }
  throw new Error('expected the promise to reject');
}

describe('fetchHealth', () => {
  it('GETs the health endpoint with the same-origin session cookie', async () => {
    const fetchMock = vi.fn<typeof fetch>().mockResolvedValue(jsonResponse(okReport));
    vi.stubGlobal('fetch', fetchMock);

    await expect(fetchHealth()).resolves.toEqual(okReport);

    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(HEALTH_URL);
    expect(url).toBe('/api/v1/dataset_review/health');
    expect(init).toMatchObject({ method: 'GET', credentials: 'same-origin' });
  });

  it('returns a degraded report from a 200', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(jsonResponse(degradedReport));
    await expect(fetchHealth({ fetchImpl })).resolves.toEqual(degradedReport);
  });

  it('returns the report carried by a 503 (a check is down)', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(jsonResponse(downReport, 503));
    await expect(fetchHealth({ fetchImpl })).resolves.toEqual(downReport);
  });

  it('maps 401 to unauthorized', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(jsonResponse({ msg: 'Token expired' }, 401));
    const error = await failure(fetchHealth({ fetchImpl }));
    expect(error.kind).toBe('unauthorized');
    expect(error.status).toBe(401);
  });

  it('maps 403 to forbidden', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(jsonResponse({ message: 'Forbidden' }, 403));
    const error = await failure(fetchHealth({ fetchImpl }));
    expect(error.kind).toBe('forbidden');
    expect(error.status).toBe(403);
  });

  it('maps a rejected fetch to network', async () => {
    const cause = new TypeError('Failed to fetch');
    const fetchImpl = vi.fn<typeof fetch>().mockRejectedValue(cause);
    const error = await failure(fetchHealth({ fetchImpl }));
    expect(error.kind).toBe('network');
    expect(error.status).toBeUndefined();
    expect(error.cause).toBe(cause);
  });

  it('maps a 503 without a report (a proxy page) and a 500 to server', async () => {
    const proxy = vi.fn<typeof fetch>().mockResolvedValue(new Response('<html>Service Unavailable</html>', { status: 503 }));
    const proxyError = await failure(fetchHealth({ fetchImpl: proxy }));
    expect(proxyError.kind).toBe('server');
    expect(proxyError.status).toBe(503);

    const crash = vi.fn<typeof fetch>().mockResolvedValue(jsonResponse({ message: 'Fatal error' }, 500));
    const crashError = await failure(fetchHealth({ fetchImpl: crash }));
    expect(crashError.kind).toBe('server');
    expect(crashError.status).toBe(500);
  });

  it('maps a 200 that is not a health report to invalid', async () => {
    const html = vi.fn<typeof fetch>().mockResolvedValue(new Response('<html>login</html>', { status: 200 }));
    expect((await failure(fetchHealth({ fetchImpl: html }))).kind).toBe('invalid');

    const wrongShape = vi.fn<typeof fetch>().mockResolvedValue(jsonResponse({ ...okReport, status: 'fine' }));
    expect((await failure(fetchHealth({ fetchImpl: wrongShape }))).kind).toBe('invalid');
  });

  it('rethrows an abort unchanged instead of calling it a network error', async () => {
    const controller = new AbortController();
    const abort = new DOMException('The operation was aborted.', 'AbortError');
    const fetchImpl = vi.fn<typeof fetch>().mockImplementation(() => {
      controller.abort();
      return Promise.reject(abort);
    });
    await expect(fetchHealth({ fetchImpl, signal: controller.signal })).rejects.toBe(abort);
  });
});

describe('isHealthReport', () => {
  it('accepts the documented shape and rejects near misses', () => {
    expect(isHealthReport(okReport)).toBe(true);
    expect(isHealthReport(null)).toBe(false);
    expect(isHealthReport({ ...okReport, version: 1 })).toBe(false);
    expect(isHealthReport({ ...okReport, checks: { redis: { status: 'ok', reason: 'PONG' } } })).toBe(false);
    expect(isHealthReport({ ...okReport, feature_flags: { DATASET_REVIEW: 'yes' } })).toBe(false);
  });
});
