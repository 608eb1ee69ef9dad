import { reduceErrors } from 'c/ldsUtils';

describe('reduceErrors', () => {
    it('reads an Apex error (AuraHandledException) message', () => {
        expect(reduceErrors({ body: { message: 'Leadscore is unavailable (HTTP 503); try again later.' }, status: 500 })).toEqual([
            'Leadscore is unavailable (HTTP 503); try again later.'
        ]);
    });

    it('reads a wire error whose body is a list', () => {
        expect(reduceErrors({ body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] })).toEqual([
            'The requested resource does not exist'
        ]);
    });

    it('prefers the page and field errors of a record API error to its summary', () => {
        const error = {
            body: {
                message: 'An error occurred while trying to update the record.',
                output: {
                    errors: [{ message: 'Record is locked.' }],
                    fieldErrors: { Leadscore_Score__c: [{ message: 'Value out of range.' }] }
                }
            }
        };
        expect(reduceErrors(error)).toEqual(['Record is locked.', 'Value out of range.']);
    });

    it('falls back on the summary when a record API error lists nothing', () => {
        expect(reduceErrors({ body: { message: 'Insufficient access.', output: { errors: [], fieldErrors: {} } } })).toEqual([
            'Insufficient access.'
        ]);
    });

    it('reads JavaScript errors, strings and lists of mixed errors, skipping empty ones', () => {
        expect(reduceErrors([new TypeError('x is undefined'), 'plain text', null, undefined, { statusText: 'Bad Gateway' }])).toEqual([
            'x is undefined',
            'plain text',
            'Bad Gateway'
        ]);
    });

    it('says the error is unknown rather than nothing', () => {
        expect(reduceErrors({})).toEqual(['Unknown error']);
    });
});
