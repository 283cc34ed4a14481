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

  it('translates and fills placeholders', () => {
    expect(t('app.version', { version: '0.1.0' })).toBe('Version 0.1.0');
    setLanguage('ru');
    expect(t('app.version', { version: '0.1.0' })).toBe('Версия 0.1.0');
    expect(t('health.loading')).toBe('Проверяем…');
  });
});
