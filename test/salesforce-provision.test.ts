import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVault } from '../src/config/secrets.js';
import { tenantId } from '../src/domain/index.js';
import { connectSalesforce } from '../src/crm/salesforce-connect.js';
import { currentSettings, DEFAULT_SETTINGS, saveSettings, SettingsSchema } from '../src/settings/index.js';
import { ensureTenant, getConnection, type Database } from '../src/store/index.js';
import { openTestDatabase } from './helpers/db.js';
import { INSTANCE, LOGIN, ORG, tokens, USER, V } from './helpers/salesforce.js';

// Field provisioning on connect for an org without the Leadscore package. Bodies are shaped like
// the documented sObject Describe answer, the Metadata API's createMetadata SOAP answer (SaveResult
// per component: fullName, success, errors {statusCode, message}) and the REST create answers.

const app = { loginUrl: LOGIN, clientId: '3MVG9test', clientSecret: 'secret' };
const vault = createVault(randomBytes(32));
const WRITTEN = ['Leadscore_Score__c', 'Leadscore_Fit__c', 'Leadscore_Engagement__c', 'Leadscore_Grade__c', 'Leadscore_Tier__c', 'Leadscore_Reasons__c', 'Leadscore_Next_Action__c', 'Leadscore_Scored_At__c', 'Leadscore_Model_Version__c'];
const standard = (object: string) =>
  object === 'Lead'
    ? ['Id', 'Email', 'FirstName', 'LastName', 'Title', 'Company', 'Industry', 'NumberOfEmployees', 'AnnualRevenue', 'Country', 'LeadSource', 'Status', 'IsConverted']
    : ['Id', 'Email', 'FirstName', 'LastName', 'Title', 'AccountId', 'MailingCountry', 'LeadSource'];
const describeAnswer = (object: string, present: string[]) => ({
  name: object,
  label: object,
  fields: [...standard(object), ...present].map((name) => ({
    name,
    type: name === 'Id' ? 'id' : name === 'AccountId' ? 'reference' : 'string',
    length: 255,
    updateable: name !== 'Id',
    relationshipName: name === 'AccountId' ? 'Account' : null,
  })),
});
const soap = (inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;
const saveResult = (fullName: string, error?: { statusCode: string; message: string }) =>
  `<result>${error ? `<errors><message>${error.message}</message><statusCode>${error.statusCode}</statusCode></errors>` : ''}<fullName>${fullName}</fullName><success>${error ? 'false' : 'true'}</success></result>`;

let db: Database;
beforeAll(async () => {
  nock.disableNetConnect();
  db = await openTestDatabase();
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(async () => {
  nock.enableNetConnect();
  await db.close();
});

async function tenantWith(name: string, change: (s: ReturnType<typeof SettingsSchema.parse>) => void = () => undefined) {
  const tenant = tenantId(name);
  await ensureTenant(db, tenant, name);
  const settings = structuredClone((await currentSettings(db, tenant)).settings);
  change(settings);
  await saveSettings(db, tenant, SettingsSchema.parse(settings), 'test');
  return tenant;
}

describe('field provisioning on connect', () => {
  it('creates the missing fields with the Metadata API, grants them through the admin permission set, and reports each field', async () => {
    const tenant = await tenantWith('unpackaged');
    let created = '';
    nock(INSTANCE)
      .get(`${V}/sobjects/Lead/describe`)
      .reply(200, describeAnswer('Lead', WRITTEN.filter((f) => f !== 'Leadscore_Fit__c' && f !== 'Leadscore_Reasons__c')))
      .get(`${V}/sobjects/Contact/describe`)
      .reply(200, describeAnswer('Contact', WRITTEN.filter((f) => f !== 'Leadscore_Tier__c')))
      .post('/services/Soap/m/62.0', (body: string) => {
        created = body;
        return body.includes('<createMetadata>');
      })
      .reply(
        200,
        soap(
          `<createMetadataResponse>${saveResult('Lead.Leadscore_Fit__c')}${saveResult('Lead.Leadscore_Reasons__c')}${saveResult('Contact.Leadscore_Tier__c', {
            statusCode: 'DUPLICATE_DEVELOPER_NAME',
            message: 'There is already a field named Leadscore_Tier on Contact.',
          })}</createMetadataResponse>`,
        ),
        { 'content-type': 'text/xml;charset=UTF-8' },
      )
      .get(`${V}/query`)
      .query((q) => q.q === "SELECT Id FROM PermissionSet WHERE Name = 'Leadscore_Admin'")
      .reply(200, { totalSize: 0, done: true, records: [] })
      .post(`${V}/sobjects/PermissionSet`, { Name: 'Leadscore_Admin', Label: 'Leadscore Admin', Description: /Leadscore/ })
      .reply(201, { id: '0PS5e000000AbCdGAC', success: true, errors: [] })
      .post(`${V}/composite/sobjects`, (body: { allOrNone: boolean; records: Array<Record<string, unknown>> }) =>
        body.allOrNone === false &&
        body.records.length === 2 &&
        body.records.every((r) => r.ParentId === '0PS5e000000AbCdGAC' && r.PermissionsRead === true && r.PermissionsEdit === true && (r.attributes as { type: string }).type === 'FieldPermissions') &&
        body.records[0]!.Field === 'Lead.Leadscore_Fit__c' &&
        body.records[1]!.SobjectType === 'Lead',
      )
      .reply(200, [
        { id: '01k5e00000AbCdEAAA', success: true, errors: [] },
        { id: null, success: false, errors: [{ statusCode: 'DUPLICATE_VALUE', message: 'duplicate value found: <unknown> duplicates value on record with id: <unknown>', fields: [] }] },
      ])
      .post(`${V}/sobjects/PermissionSetAssignment`, { AssigneeId: USER, PermissionSetId: '0PS5e000000AbCdGAC' })
      .reply(201, { id: '0Pa5e00000AbCdEAAA', success: true, errors: [] });

    const result = await connectSalesforce(db, vault, app, tenant, { ...tokens, refreshToken: 'r' });
    // The definitions match the package's metadata: a Number(3,0) score and a long text area.
    expect(created).toMatch(/<fullName>Lead\.Leadscore_Fit__c<\/fullName>[\s\S]*<type>Number<\/type>/);
    expect(created).toMatch(/<precision>3<\/precision>/);
    expect(created).toMatch(/<fullName>Lead\.Leadscore_Reasons__c<\/fullName><required>false<\/required><type>LongTextArea<\/type><length>32768<\/length>/);
    expect(result.provisioning.filter((p) => p.status !== 'present')).toEqual([
      { field: 'Lead.Leadscore_Fit__c', status: 'created', access: 'granted' },
      { field: 'Lead.Leadscore_Reasons__c', status: 'created', access: 'granted' },
      { field: 'Contact.Leadscore_Tier__c', status: 'failed', reason: 'DUPLICATE_DEVELOPER_NAME: There is already a field named Leadscore_Tier on Contact.' },
    ]);
    expect(result.missingFields).toEqual(['Contact.Leadscore_Tier__c']);
    const stored = (await getConnection(db, tenant, `salesforce-${ORG}`))!;
    expect(stored.settings).toMatchObject({ missingFields: ['Contact.Leadscore_Tier__c'], fieldProvisioning: expect.arrayContaining([{ field: 'Lead.Leadscore_Fit__c', status: 'created', access: 'granted' }]) });
  });

  it('creates nothing for a packaged org (createMissingFields off), and names mapped read fields the org lacks', async () => {
    const tenant = await tenantWith('packaged', (s) => {
      s.salesforce.createMissingFields = false;
      s.salesforce.leadFields.fields.industry = 'Vertical__c';
      s.salesforce.leadFields.attributes = { segment: 'Segment__c' };
      s.salesforce.syncContacts = true;
      s.salesforce.contactFields.fields.company = 'Parent__r.Name';
    });
    nock(INSTANCE)
      .get(`${V}/sobjects/Lead/describe`)
      .reply(200, describeAnswer('Lead', [...WRITTEN.filter((f) => f !== 'Leadscore_Grade__c'), 'Segment__c']))
      .get(`${V}/sobjects/Contact/describe`)
      .reply(200, describeAnswer('Contact', WRITTEN));
    const result = await connectSalesforce(db, vault, app, tenant, { ...tokens, refreshToken: 'r' });
    expect(result.provisioning.find((p) => p.field === 'Lead.Leadscore_Grade__c')).toEqual({ field: 'Lead.Leadscore_Grade__c', status: 'skipped', reason: expect.stringMatching(/createMissingFields/) });
    expect(result.missingFields).toEqual(['Lead.Leadscore_Grade__c']);
    expect(result.unmappedFields).toEqual(['Lead.Vertical__c', 'Contact.Parent__r.Name']);
    expect((await getConnection(db, tenant, `salesforce-${ORG}`))!.settings).toMatchObject({ unmappedFields: ['Lead.Vertical__c', 'Contact.Parent__r.Name'] });
  });
});

describe('field mapping settings', () => {
  it('refuses a mapping to something that is not a Salesforce field, naming the field', () => {
    const settings = SettingsSchema.parse(DEFAULTS());
    (settings.salesforce.leadFields.fields as Record<string, unknown>).industry = 'Industry; DROP';
    const parsed = SettingsSchema.safeParse(settings);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toEqual(['salesforce.leadFields.fields.industry']);
    expect(parsed.error!.issues[0]!.message).toMatch(/not a Salesforce field API name/);
    (settings.salesforce.leadFields.fields as Record<string, unknown>).industry = 'Industry';
    (settings.salesforce.leadFields.fields as Record<string, unknown>).shoeSize = 'Shoe__c';
    expect(SettingsSchema.safeParse(settings).error!.issues[0]!.path.join('.')).toBe('salesforce.leadFields.fields.shoeSize');
  });

  it('gives settings saved before the mapping existed the standard fields, Contacts off and field creation on', () => {
    const old = DEFAULTS() as { salesforce: Record<string, unknown> };
    delete old.salesforce.leadFields;
    delete old.salesforce.syncContacts;
    delete old.salesforce.contactFields;
    delete old.salesforce.createMissingFields;
    delete old.salesforce.bulkWriteThreshold;
    const parsed = SettingsSchema.parse(old);
    expect(parsed.salesforce).toMatchObject({ leadFields: { fields: { company: 'Company', employees: 'NumberOfEmployees' } }, syncContacts: false, contactFields: { fields: { company: 'Account.Name' } }, createMissingFields: true, bulkWriteThreshold: 10_000 });
  });
});

function DEFAULTS(): unknown {
  return JSON.parse(JSON.stringify(DEFAULT_SETTINGS));
}
