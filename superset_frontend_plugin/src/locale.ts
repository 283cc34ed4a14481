// The page's language, the way Superset decides it: the user's locale in the page's bootstrap data (Flask-AppBuilder
// keeps the choice, among the LANGUAGES an admin allows), so that the extension's words and the server's messages
// (translated with the same locale) agree with the rest of Superset's page. Then <html lang>, then the browser's.

function supersetLocale(doc: Document): string | undefined {
  try {
    const raw = doc.getElementById('app')?.getAttribute('data-bootstrap');
    const locale: unknown = raw ? JSON.parse(raw)?.common?.locale : undefined;
    return typeof locale === 'string' ? locale : undefined;
  } catch {
    return undefined; // no bootstrap data (a test page): fall back to the document and the browser
  }
}

/** The first of `supported` among Superset's locale, the page's `<html lang>` and the browser's languages. */
export function pageLanguage<L extends string>(supported: readonly L[], fallback: L): L {
  const candidates: (string | undefined)[] = [];
  if (typeof document !== 'undefined') {
    candidates.push(supersetLocale(document), document.documentElement.lang);
  }
  if (typeof navigator !== 'undefined') candidates.push(...(navigator.languages ?? []), navigator.language);
  for (const candidate of candidates) {
    const base = (candidate ?? '').toLowerCase().split(/[-_]/)[0] as L;
    if (base && supported.includes(base)) return base;
  }
  return fallback;
}
