/** A change event's `data` as Salesforce delivers it on /data/LeadChangeEvent (the streaming client hands over `data`). */
export const leadChangeEvent = (replayId: number, changeType: string, recordIds: string[], fields: Record<string, unknown> = {}) => ({
  schema: 'IeRuaY6cbI_HsV8Rv1Mc5g',
  payload: {
    ChangeEventHeader: {
      entityName: 'Lead',
      recordIds,
      changeType,
      changeOrigin: 'com/salesforce/api/rest/62.0',
      transactionKey: '0002343d-9d90-e395-ed20-cf416ba652ad',
      sequenceNumber: 1,
      commitTimestamp: 1764060000000,
      commitNumber: 1234567890,
      commitUser: '0055e000001XyZaAAB',
      changedFields: changeType === 'UPDATE' ? Object.keys(fields) : [],
    },
    ...fields,
  },
  event: { replayId },
});
