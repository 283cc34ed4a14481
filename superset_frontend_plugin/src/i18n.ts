// A deliberately tiny translation layer: every user-facing string goes through t(key).
// Add a key to `en` first; TypeScript then requires it in every other dictionary.

const en = {
  'app.title': 'Dataset Review',
  'app.subtitle': 'Health of the extension',
  'app.version': 'Version {version}',
  'action.refresh': 'Refresh',
  'action.retry': 'Retry',
  'health.loading': 'Checking…',
  'health.overall': 'Overall status',
  'health.caption': 'Components Dataset Review depends on',
  'health.column.component': 'Component',
  'health.column.status': 'Status',
  'health.column.reason': 'Reason',
  'health.column.latency': 'Latency (ms)',
  'health.empty': 'The server reported no checks.',
  'status.ok': 'OK',
  'status.degraded': 'Degraded',
  'status.down': 'Down',
  'component.metadata_db': 'Metadata database',
  'component.pgvector': 'pgvector',
  'component.redis': 'Redis',
  'component.worker': 'Celery worker',
  'component.llm': 'LLM',
  'error.unauthorized': 'Your session has expired: sign in again',
  'error.signIn': 'Sign in',
  'error.forbidden':
    'You do not have access to Dataset Review: ask an admin to grant can read on DatasetReview',
  'error.network': 'Could not reach Superset: check your connection and retry',
  'error.server': 'Superset answered with an unexpected error (HTTP {status}): retry in a moment',
  'error.invalid': 'Superset sent a health report this page cannot read: retry, or check the extension version',
} as const;

export type MessageKey = keyof typeof en;
type Dictionary = Record<MessageKey, string>;

const ru: Dictionary = {
  'app.title': 'Dataset Review',
  'app.subtitle': 'Состояние расширения',
  'app.version': 'Версия {version}',
  'action.refresh': 'Обновить',
  'action.retry': 'Повторить',
  'health.loading': 'Проверяем…',
  'health.overall': 'Общее состояние',
  'health.caption': 'Компоненты, от которых зависит Dataset Review',
  'health.column.component': 'Компонент',
  'health.column.status': 'Состояние',
  'health.column.reason': 'Причина',
  'health.column.latency': 'Задержка (мс)',
  'health.empty': 'Сервер не сообщил ни одной проверки.',
  'status.ok': 'Работает',
  'status.degraded': 'С ограничениями',
  'status.down': 'Не работает',
  'component.metadata_db': 'База метаданных',
  'component.pgvector': 'pgvector',
  'component.redis': 'Redis',
  'component.worker': 'Воркер Celery',
  'component.llm': 'LLM',
  'error.unauthorized': 'Сессия истекла: войдите снова',
  'error.signIn': 'Войти',
  'error.forbidden':
    'У вас нет доступа к Dataset Review: попросите администратора выдать право can read on DatasetReview',
  'error.network': 'Не удалось связаться с Superset: проверьте подключение и повторите',
  'error.server': 'Superset ответил неожиданной ошибкой (HTTP {status}): повторите чуть позже',
  'error.invalid':
    'Superset прислал отчёт о состоянии, который страница не может прочитать: повторите или проверьте версию расширения',
};

const dictionaries = { en, ru } satisfies Record<string, Dictionary>;

export type Language = keyof typeof dictionaries;

/** The first supported language among the page's `<html lang>` and the browser's languages; English otherwise. */
export function detectLanguage(): Language {
  const candidates: string[] = [];
  if (typeof document !== 'undefined' && document.documentElement.lang) {
    candidates.push(document.documentElement.lang);
  }
  if (typeof navigator !== 'undefined') {
    candidates.push(...(navigator.languages ?? []), navigator.language);
  }
  for (const candidate of candidates) {
    const base = (candidate ?? '').toLowerCase().split(/[-_]/)[0];
    if (base && base in dictionaries) return base as Language;
  }
  return 'en';
}

let current: Language = detectLanguage();

export function getLanguage(): Language {
  return current;
}

/** Switch the language (tests, or a future language picker). Components re-read it on their next render. */
export function setLanguage(language: Language): void {
  current = language;
}

/** The translated string for `key`, with `{name}` placeholders replaced from `params`. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const template = dictionaries[current][key] ?? en[key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    name in params ? String(params[name]) : match,
  );
}
