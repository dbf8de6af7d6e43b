/**
 * The ordered list of migrations. Listing classes (not a glob) keeps migrations working the
 * same from TypeScript sources (tests, CLI) and compiled output.
 */
import { EnablePgcrypto1795564800000 } from './1795564800000-EnablePgcrypto';
import { CreateRetailTables1795564801000 } from './1795564801000-CreateRetailTables';
import { CreateEncryptionTriggers1795564802000 } from './1795564802000-CreateEncryptionTriggers';
import { CreateDecryptedViews1795564803000 } from './1795564803000-CreateDecryptedViews';
import { CreateRolesAndGrants1795564804000 } from './1795564804000-CreateRolesAndGrants';
import { CreateImportHistory1795564805000 } from './1795564805000-CreateImportHistory';
import { CreateAuditLog1795564810000 } from './1795564810000-CreateAuditLog';
import { CreateReadinessProbe1795564820000 } from './1795564820000-CreateReadinessProbe';
import { CreateKpiViews1795564821000 } from './1795564821000-CreateKpiViews';
import { CreateKeyCheckValues1795564830000 } from './1795564830000-CreateKeyCheckValues';
import { RecordImportFailureKinds1795564840000 } from './1795564840000-RecordImportFailureKinds';
import { LimitGrafanaRole1795564860000 } from './1795564860000-LimitGrafanaRole';
import { OneMeaningPerKpi1795564861000 } from './1795564861000-OneMeaningPerKpi';
import { SeparateAuditCorrelationId1795564880000 } from './1795564880000-SeparateAuditCorrelationId';
import { RevokeBlindIndexKeyFromAnalyst1795564881000 } from './1795564881000-RevokeBlindIndexKeyFromAnalyst';
import { RenderProtectionLayerFromCatalog1795564900000 } from './1795564900000-RenderProtectionLayerFromCatalog';
import { IndexAuditByClient1795564910000 } from './1795564910000-IndexAuditByClient';
import { CreateRetentionPurge1795564911000 } from './1795564911000-CreateRetentionPurge';
import { EnvelopeEncryption1795564920000 } from './1795564920000-EnvelopeEncryption';
import { AuditPersonalActions1795564921000 } from './1795564921000-AuditPersonalActions';
import { RenderEnvelopeProtectionLayer1795564922000 } from './1795564922000-RenderEnvelopeProtectionLayer';
import { SealPersonalValues1795564940000 } from './1795564940000-SealPersonalValues';
import { IndexDateColumnsForKeysetOrder1795564930000 } from './1795564930000-IndexDateColumnsForKeysetOrder';
import { IndexDatesWithoutTheirKey1795564943000 } from './1795564943000-IndexDatesWithoutTheirKey';
import { BindValuesToTheirClient1795564970000 } from './1795564970000-BindValuesToTheirClient';
import { CleanPersonalRejections1795564950000 } from './1795564950000-CleanPersonalRejections';
import { LookUpDataKeysByIndex1795564942000 } from './1795564942000-LookUpDataKeysByIndex';
import { RenderSealedProtectionLayer1795564941000 } from './1795564941000-RenderSealedProtectionLayer';
import { FindUnopenableValues1795564985000 } from './1795564985000-FindUnopenableValues';
import { EnforceErasureInDatabase1795564960000 } from './1795564960000-EnforceErasureInDatabase';
import { RecordAwaitedParentsOfImports1795564982000 } from './1795564982000-RecordAwaitedParentsOfImports';
import { RefuseImplausiblePurchaseDates1795564983000 } from './1795564983000-RefuseImplausiblePurchaseDates';
import { RenderClientBoundProtectionLayer1795564995000 } from './1795564995000-RenderClientBoundProtectionLayer';
import { CountWithoutOpeningValues1795565030000 } from './1795565030000-CountWithoutOpeningValues';

export const MIGRATIONS = [
  EnablePgcrypto1795564800000,
  CreateRetailTables1795564801000,
  CreateEncryptionTriggers1795564802000,
  CreateDecryptedViews1795564803000,
  CreateRolesAndGrants1795564804000,
  CreateImportHistory1795564805000,
  CreateAuditLog1795564810000,
  CreateReadinessProbe1795564820000,
  CreateKpiViews1795564821000,
  CreateKeyCheckValues1795564830000,
  RecordImportFailureKinds1795564840000,
  LimitGrafanaRole1795564860000,
  OneMeaningPerKpi1795564861000,
  SeparateAuditCorrelationId1795564880000,
  RevokeBlindIndexKeyFromAnalyst1795564881000,
  RenderProtectionLayerFromCatalog1795564900000,
  IndexAuditByClient1795564910000,
  CreateRetentionPurge1795564911000,
  EnvelopeEncryption1795564920000,
  AuditPersonalActions1795564921000,
  RenderEnvelopeProtectionLayer1795564922000,
  IndexDateColumnsForKeysetOrder1795564930000,
  SealPersonalValues1795564940000,
  RenderSealedProtectionLayer1795564941000,
  LookUpDataKeysByIndex1795564942000,
  IndexDatesWithoutTheirKey1795564943000,
  CleanPersonalRejections1795564950000,
  EnforceErasureInDatabase1795564960000,
  BindValuesToTheirClient1795564970000,
  RecordAwaitedParentsOfImports1795564982000,
  RefuseImplausiblePurchaseDates1795564983000,
  FindUnopenableValues1795564985000,
  RenderClientBoundProtectionLayer1795564995000,
  CountWithoutOpeningValues1795565030000,
];
