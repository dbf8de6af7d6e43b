/**
 * The shortest audit retention the service accepts, in days.
 *
 * Why 180: the audit trail is how the controller shows who read clear personal data
 * (GDPR Art. 5(2) accountability, Art. 32 security of processing). The CNIL's recommendation on
 * logging (délibération n° 2021-122) asks for access logs to be kept between six months and one
 * year: shorter and an intrusion or a misuse is found after its evidence is gone. The same floor
 * is enforced by the database (migrations/1795564911000-CreateRetentionPurge.ts), so no caller
 * of the purge function can cut the trail shorter either.
 */
export const AUDIT_RETENTION_MIN_DAYS = 180;
