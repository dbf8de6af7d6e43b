/**
 * How each environment variable is documented, declared beside its validation rules in
 * EnvironmentVariables: the section it belongs to and what it does. Together with the rules
 * (type, bounds, allowed values) and the property's initial value (its default), this is the one
 * declaration of a variable; `npm run config:docs` writes docs/configuration.md and
 * .env.example from it, and `npm run config:check` fails when either differs.
 */

export const SETTING_SECTIONS = {
  http: {
    title: 'HTTP',
    intro: '',
  },
  database: {
    title: 'Database',
    intro:
      "Unset DATABASE_URL: an embedded PostgreSQL starts under DATA_DIR and every secret of the next section is generated (stored in DATA_DIR/secrets.json, mode 0600). Set: that server is used; it must offer pgcrypto, and the URL's user owns the schema (runs migrations and sets the login roles' passwords).",
  },
  keys: {
    title: 'Keys (required outside embedded mode)',
    intro:
      'Secrets: at least 32 random bytes, as hex or base64 (`openssl rand -hex 32`). They come from the environment only, never from a file in the image or the repository.',
  },
  tokens: {
    title: 'Tokens from an identity provider',
    intro: 'See docs/reading.md, "Tokens from an identity provider".',
  },
  imports: {
    title: 'Imports',
    intro: '',
  },
  retention: {
    title: 'GDPR retention',
    intro:
      'A scheduled purge (one replica at a time) deletes what is older than these limits, in batches (docs/gdpr.md, "Retention").',
  },
  protections: {
    title: 'HTTP protections',
    intro: '',
  },
  observability: {
    title: 'Observability',
    intro: '',
  },
} as const;

export type SettingSection = keyof typeof SETTING_SECTIONS;

export interface SettingDoc {
  section: SettingSection;
  /** What the variable does, in a sentence or two (Markdown code spans allowed). */
  description: string;
  /**
   * The default in words, when it is not the property's initial value: derived from another
   * variable or the platform, or shown in another unit ("24h" for 86400 seconds).
   */
  defaultText?: string;
  /** What is accepted, when the validation rules cannot say it better (a duration). */
  accepted?: string;
  /** A value shown in .env.example when there is no default (a URL's shape). */
  example?: string;
}

const SETTINGS = new WeakMap<object, Map<string, SettingDoc>>();

/** Declares the documentation of one environment variable (see the file comment). */
export function Setting(doc: SettingDoc): PropertyDecorator {
  return (target, property) => {
    const docs = SETTINGS.get(target.constructor) ?? new Map<string, SettingDoc>();
    docs.set(String(property), doc);
    SETTINGS.set(target.constructor, docs);
  };
}

/** The documented variables of a class, in declaration order. */
export function settingDocs(type: abstract new () => object): ReadonlyMap<string, SettingDoc> {
  return SETTINGS.get(type) ?? new Map();
}
