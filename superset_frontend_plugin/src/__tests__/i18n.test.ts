import { afterEach, describe, expect, it } from 'vitest';
import { detectLanguage, setLanguage, t } from '../i18n';

describe('i18n', () => {
  afterEach(() => {
    document.documentElement.lang = '';
  });

  it('prefers <html lang>, understands regional tags, and falls back to English', () => {
    document.documentElement.lang = 'ru-RU';
    expect(detectLanguage()).toBe('ru');
    document.documentElement.lang = 'en';
    expect(detectLanguage()).toBe('en');
    document.documentElement.lang = 'xx';
    // jsdom's navigator.language is en-US
    expect(detectLanguage()).toBe('en');
  });

  it("follows Superset's locale in the page's bootstrap data before <html lang>", () => {
    const app = document.createElement('div');
    app.id = 'app';
    app.setAttribute('data-bootstrap', JSON.stringify({ common: { locale: 'ru' } }));
    document.body.appendChild(app);
    document.documentElement.lang = 'en';
    try {
      expect(detectLanguage()).toBe('ru');
      app.setAttribute('data-bootstrap', '{not json');
      expect(detectLanguage()).toBe('en');
    } finally {
      app.remove();
    }
  });

  it('translates and fills placeholders', () => {
    expect(t('app.version', { version: '0.1.0' })).toBe('Version 0.1.0');
    setLanguage('ru');
    expect(t('app.version', { version: '0.1.0' })).toBe('Версия 0.1.0');
    expect(t('health.loading')).toBe('Проверяем…');
  });
});
