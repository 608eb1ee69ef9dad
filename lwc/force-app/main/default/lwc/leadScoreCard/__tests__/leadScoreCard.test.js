import { createElement } from 'lwc';
import LeadScoreCard from 'c/leadScoreCard';
import { getRecord } from 'lightning/uiRecordApi';
import getScoreHistory from '@salesforce/apex/LeadscoreApi.getScoreHistory';
import sendFeedback from '@salesforce/apex/LeadscoreApi.sendFeedback';

import scoredLead from './data/scoredLead.json';
import hotContact from './data/hotContact.json';
import notScoredLead from './data/notScoredLead.json';
import blankLead from './data/blankLead.json';
import scoreHistory from './data/scoreHistory.json';

const LEAD_ID = scoredLead.id;

/** Lets pending promises (Apex answers) and the re-render they cause run. */
const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A promise the test settles when it chooses. */
function deferred() {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
        resolve = res;
        reject = rej;
    });
    return { promise, resolve, reject };
}

function mount({ recordId = LEAD_ID, objectApiName = 'Lead' } = {}) {
    const element = createElement('c-lead-score-card', { is: LeadScoreCard });
    element.recordId = recordId;
    element.objectApiName = objectApiName;
    document.body.appendChild(element);
    return element;
}

const $ = (element, id) => element.shadowRoot.querySelector(`[data-id="${id}"]`);
const $$ = (element, selector) => Array.from(element.shadowRoot.querySelectorAll(selector));
const text = (node) => node.textContent.replace(/\s+/g, ' ').trim();

async function mountScored(record = scoredLead, objectApiName = 'Lead') {
    getScoreHistory.mockResolvedValue(scoreHistory);
    const element = mount({ recordId: record.id, objectApiName });
    getRecord.emit(record);
    await flushPromises();
    return element;
}

afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    jest.clearAllMocks();
    getScoreHistory.mockReset();
    sendFeedback.mockReset();
});

describe('c-lead-score-card', () => {
    it('shows a labelled spinner until the record arrives', () => {
        const element = mount();
        const spinner = element.shadowRoot.querySelector('lightning-spinner');
        expect(spinner).not.toBeNull();
        expect(spinner.alternativeText).toBe('Loading the Leadscore score');
        expect($(element, 'composite')).toBeNull();
        expect(getScoreHistory).not.toHaveBeenCalled();
    });

    it('asks Lightning Data Service for the Leadscore fields of the page object', async () => {
        mount();
        await flushPromises();
        const { recordId, fields } = getRecord.getLastConfig();
        expect(recordId).toBe(LEAD_ID);
        expect(fields.map((f) => `${f.objectApiName}.${f.fieldApiName}`).sort()).toEqual([
            'Lead.Leadscore_Engagement__c',
            'Lead.Leadscore_Fit__c',
            'Lead.Leadscore_Grade__c',
            'Lead.Leadscore_Model_Version__c',
            'Lead.Leadscore_Next_Action__c',
            'Lead.Leadscore_Reasons__c',
            'Lead.Leadscore_Score__c',
            'Lead.Leadscore_Scored_At__c',
            'Lead.Leadscore_Tier__c'
        ]);
    });

    it('reads the same fields from Contact on a Contact page', async () => {
        mount({ recordId: hotContact.id, objectApiName: 'Contact' });
        await flushPromises();
        const { fields } = getRecord.getLastConfig();
        expect(fields).toHaveLength(9);
        expect(fields.every((f) => f.objectApiName === 'Contact' && /^Leadscore_\w+__c$/.test(f.fieldApiName))).toBe(true);
    });

    describe('a scored record', () => {
        it('shows the composite in its tier colour, the tier, grade and probability in words', async () => {
            const element = await mountScored();
            const composite = $(element, 'composite');
            expect(text(composite)).toBe('31');
            expect(composite.classList.contains('slds-theme_warning')).toBe(true);
            expect(text($(element, 'tier'))).toBe('Warm');
            expect(text($(element, 'grade'))).toBe('Grade B3');
            expect(text($(element, 'probability'))).toBe('about 3 in 10 similar leads converted');
        });

        it('gives a Hot contact the success theme and its own probability', async () => {
            const element = await mountScored(hotContact, 'Contact');
            const composite = $(element, 'composite');
            expect(text(composite)).toBe('87');
            expect(composite.classList.contains('slds-theme_success')).toBe(true);
            expect(composite.classList.contains('slds-theme_warning')).toBe(false);
            expect(text($(element, 'probability'))).toBe('about 9 in 10 similar leads converted');
            expect(getScoreHistory).toHaveBeenCalledWith({ recordId: hotContact.id });
        });

        it('shows fit and engagement as bars with their values', async () => {
            const element = await mountScored();
            const fit = $(element, 'fit').querySelector('[role="progressbar"]');
            const engagement = $(element, 'engagement').querySelector('[role="progressbar"]');
            expect(fit.getAttribute('aria-valuenow')).toBe('64');
            expect(fit.querySelector('.slds-progress-bar__value').style.width).toBe('64%');
            expect(engagement.getAttribute('aria-valuenow')).toBe('22');
            expect(engagement.querySelector('.slds-progress-bar__value').style.width).toBe('22%');
        });

        it('splits the reasons into those for and against, at most three each', async () => {
            const element = await mountScored();
            const reasonsFor = $$(element, '[data-id="reasons-for"] li').map(text);
            const reasonsAgainst = $$(element, '[data-id="reasons-against"] li').map(text);
            expect(reasonsFor).toEqual([
                'Viewed the pricing page 3 times in the last week',
                'VP of Sales: senior buyers convert more often',
                'Company of 200-500 employees, the best-converting size'
            ]);
            expect(reasonsAgainst).toEqual(['No reply to the last 2 emails']);
        });

        it('shows the next action, when it was scored and by which model', async () => {
            const element = await mountScored();
            expect(text($(element, 'next-action'))).toBe(
                'Next action: Follow up within 2 business days: viewed the pricing page 3 times in the last week'
            );
            const when = $(element, 'scored-at').querySelector('lightning-formatted-date-time');
            expect(when.value).toBe('2026-11-20T10:00:00.000Z');
            expect(text($(element, 'model-version'))).toBe('20261122-172624-43c2755f');
        });

        it('draws the trend of recent scores, oldest to newest, from the history', async () => {
            const element = await mountScored();
            expect(getScoreHistory).toHaveBeenCalledTimes(1);
            expect(getScoreHistory).toHaveBeenCalledWith({ recordId: LEAD_ID });
            const sparkline = $(element, 'sparkline');
            expect(sparkline.getAttribute('aria-label')).toBe('Composite score trend over the last 4 scorings: 22, 25, 27, 31');
            // Four points from left to right; the newest (31) sits highest of them (smallest y).
            const points = sparkline.querySelector('polyline').getAttribute('points').split(' ');
            expect(points).toHaveLength(4);
            const ys = points.map((p) => Number(p.split(',')[1]));
            expect(Math.min(...ys)).toBe(ys[3]);
            expect(text($(element, 'trend-summary'))).toBe('Last 4 scores: up 9 points (from 22 to 31)');
        });

        it('says there is no trend yet when Leadscore has no history for the record', async () => {
            getScoreHistory.mockResolvedValue(null);
            const element = mount();
            getRecord.emit(scoredLead);
            await flushPromises();
            expect($(element, 'sparkline')).toBeNull();
            expect(text($(element, 'no-trend'))).toBe('No earlier scores yet to show a trend.');
        });
    });

    describe('a record without a score', () => {
        it('says it is not scored yet and why, without scores or a feedback button', async () => {
            getScoreHistory.mockResolvedValue(null);
            const element = mount();
            getRecord.emit(notScoredLead);
            await flushPromises();
            const notScored = $(element, 'not-scored');
            expect(text(notScored)).toContain('Not scored yet');
            expect(text(notScored)).toContain('Leadscore could not score it: too little data: no title, company or activity yet.');
            expect($(element, 'composite')).toBeNull();
            expect($(element, 'feedback-open')).toBeNull();
            expect(getScoreHistory).not.toHaveBeenCalled();
        });

        it('says Leadscore has not scored a record whose fields are blank', async () => {
            getScoreHistory.mockResolvedValue(null);
            const element = mount();
            getRecord.emit(blankLead);
            await flushPromises();
            const notScored = $(element, 'not-scored');
            expect(text(notScored.querySelector('.slds-text-heading_small'))).toBe('Not scored yet');
            expect(text(notScored)).toContain('Leadscore has not scored this record yet.');
            expect(notScored.querySelector('lightning-formatted-date-time')).toBeNull();
        });
    });

    describe('errors', () => {
        it('shows the record error as an alert', async () => {
            const element = mount();
            getRecord.error({ message: "You don't have access to the Leadscore fields." }, 403, 'Forbidden');
            await flushPromises();
            const alert = $(element, 'record-error');
            expect(alert.getAttribute('role')).toBe('alert');
            expect(text(alert)).toBe("Leadscore could not load this record's score: You don't have access to the Leadscore fields.");
            expect(alert.querySelector('lightning-icon').alternativeText).toBe('Error');
            expect(element.shadowRoot.querySelector('lightning-spinner')).toBeNull();
        });

        it('says the card only works on Leads and Contacts elsewhere', () => {
            const element = mount({ recordId: '001000000000001AAA', objectApiName: 'Account' });
            expect(text($(element, 'record-error'))).toBe('The Leadscore card works on Lead and Contact pages, not on Account.');
        });

        it('keeps the scores and shows the Apex error where the trend would be', async () => {
            getScoreHistory.mockRejectedValue({ body: { message: 'Leadscore is unavailable (HTTP 503); try again later.' }, status: 500 });
            const element = mount();
            getRecord.emit(scoredLead);
            await flushPromises();
            expect(text($(element, 'composite'))).toBe('31');
            const error = $(element, 'history-error');
            expect(error.getAttribute('role')).toBe('alert');
            expect(text(error)).toBe('Recent scores are unavailable: Leadscore is unavailable (HTTP 503); try again later.');
            expect($(element, 'sparkline')).toBeNull();
        });
    });

    describe('stale answers', () => {
        it('ignores an older history request that answers after a newer one', async () => {
            const first = deferred();
            const second = deferred();
            getScoreHistory.mockReturnValueOnce(first.promise).mockReturnValueOnce(second.promise);
            const element = mount();
            getRecord.emit(scoredLead);
            await flushPromises();
            // The record is rescored: the card asks for the history again.
            getRecord.emit(hotContactAsLead());
            await flushPromises();
            expect(getScoreHistory).toHaveBeenCalledTimes(2);

            second.resolve(scoreHistory);
            await flushPromises();
            first.resolve({ ...scoreHistory, history: [historyPoint(90), historyPoint(10)] });
            await flushPromises();

            expect($(element, 'sparkline').getAttribute('aria-label')).toBe(
                'Composite score trend over the last 4 scorings: 22, 25, 27, 31'
            );
        });

        it('ignores an older request that fails after a newer one answered', async () => {
            const first = deferred();
            getScoreHistory.mockReturnValueOnce(first.promise).mockResolvedValueOnce(scoreHistory);
            const element = mount();
            getRecord.emit(scoredLead);
            await flushPromises();
            getRecord.emit(hotContactAsLead());
            await flushPromises();
            first.reject({ body: { message: 'Read timed out' } });
            await flushPromises();
            expect($(element, 'history-error')).toBeNull();
            expect($(element, 'sparkline')).not.toBeNull();
        });

        it("never shows another record's trend while the new record's history loads", async () => {
            const element = await mountScored();
            expect($(element, 'sparkline')).not.toBeNull();
            const pending = deferred();
            getScoreHistory.mockReturnValueOnce(pending.promise);
            const otherId = '00Q5g00000Def56EAB';
            element.recordId = otherId;
            getRecord.emit({ ...scoredLead, id: otherId });
            await flushPromises();
            expect(getScoreHistory).toHaveBeenLastCalledWith({ recordId: otherId });
            expect($(element, 'sparkline')).toBeNull();
            expect(text($(element, 'history-loading'))).toBe('Loading recent scores…');
            pending.resolve(scoreHistory);
            await flushPromises();
            expect($(element, 'history-loading')).toBeNull();
            expect($(element, 'sparkline')).not.toBeNull();
        });

        it('does not ask again when the record is sent again with the same score', async () => {
            getScoreHistory.mockResolvedValue(scoreHistory);
            mount();
            getRecord.emit(scoredLead);
            await flushPromises();
            getRecord.emit({ ...scoredLead });
            await flushPromises();
            expect(getScoreHistory).toHaveBeenCalledTimes(1);
        });
    });

    describe('feedback', () => {
        async function openForm() {
            const element = await mountScored();
            $(element, 'feedback-open').click();
            await flushPromises();
            return element;
        }

        function choose(element, reason, comment) {
            $(element, 'feedback-reason').dispatchEvent(new CustomEvent('change', { detail: { value: reason } }));
            if (comment !== undefined) {
                $(element, 'feedback-comment').dispatchEvent(new CustomEvent('change', { detail: { value: comment } }));
            }
        }

        it('opens a form with a reason picklist and a comment', async () => {
            const element = await openForm();
            const reason = $(element, 'feedback-reason');
            expect(reason.label).toBe('Why does the score look wrong?');
            expect(reason.required).toBe(true);
            expect(reason.options.map((o) => o.value)).toEqual(['too_high', 'too_low', 'wrong_reasons', 'other']);
            expect($(element, 'feedback-comment').maxLength).toBe('1000');
        });

        it('sends the reason and comment through Apex, shows a toast and closes the form', async () => {
            sendFeedback.mockResolvedValue({ id: 'fb_1', lead_id: LEAD_ID, reason: 'too_high', created_at: '2026-11-25T12:00:00.000Z' });
            const element = await openForm();
            const toasts = [];
            element.addEventListener('lightning__showtoast', (event) => toasts.push(event.detail));
            choose(element, 'too_high', '  Already a customer  ');
            await flushPromises();
            $(element, 'feedback-send').click();
            await flushPromises();

            expect(sendFeedback).toHaveBeenCalledTimes(1);
            expect(sendFeedback).toHaveBeenCalledWith({ recordId: LEAD_ID, reason: 'too_high', comment: 'Already a customer' });
            expect(toasts).toEqual([{ title: 'Feedback sent', message: 'Thank you: RevOps will look at this score.', variant: 'success' }]);
            expect($(element, 'feedback-form')).toBeNull();
            expect($(element, 'feedback-open')).not.toBeNull();
        });

        it('asks for a reason before sending anything', async () => {
            const element = await openForm();
            $(element, 'feedback-send').click();
            await flushPromises();
            expect(sendFeedback).not.toHaveBeenCalled();
            expect(text($(element, 'feedback-error'))).toBe('Choose why the score looks wrong.');
        });

        it('keeps the form open and shows an error toast when Apex refuses', async () => {
            sendFeedback.mockRejectedValue({ body: { message: 'Leadscore has no record of this lead yet.' } });
            const element = await openForm();
            const toasts = [];
            element.addEventListener('lightning__showtoast', (event) => toasts.push(event.detail));
            choose(element, 'wrong_reasons');
            await flushPromises();
            $(element, 'feedback-send').click();
            await flushPromises();
            expect(sendFeedback).toHaveBeenCalledWith({ recordId: LEAD_ID, reason: 'wrong_reasons', comment: '' });
            expect(toasts).toEqual([{ title: 'Feedback not sent', message: 'Leadscore has no record of this lead yet.', variant: 'error' }]);
            expect(text($(element, 'feedback-error'))).toBe('Leadscore has no record of this lead yet.');
            expect($(element, 'feedback-send').disabled).toBe(false);
        });

        it('cancels without sending', async () => {
            const element = await openForm();
            choose(element, 'other');
            $(element, 'feedback-cancel').click();
            await flushPromises();
            expect($(element, 'feedback-form')).toBeNull();
            expect(sendFeedback).not.toHaveBeenCalled();
        });
    });

    describe('accessibility', () => {
        it('labels the score, bars, reasons, trend and controls for screen readers', async () => {
            const element = await mountScored();
            expect($(element, 'composite').getAttribute('role')).toBe('img');
            expect($(element, 'composite').getAttribute('aria-label')).toBe('Composite score 31 out of 100, tier Warm');
            const bars = $$(element, '[role="progressbar"]').map((b) => b.getAttribute('aria-label'));
            expect(bars).toEqual(['Fit: 64 out of 100', 'Engagement: 22 out of 100']);
            expect($(element, 'reasons-for').getAttribute('aria-label')).toBe('Reasons for this score');
            expect($(element, 'reasons-against').getAttribute('aria-label')).toBe('Reasons against this score');
            const icons = $$(element, 'li lightning-icon').map((i) => i.alternativeText);
            expect(icons).toEqual(['For', 'For', 'For', 'Against']);
            expect($(element, 'trend').getAttribute('aria-label')).toBe('Recent scores');
            expect($(element, 'sparkline').getAttribute('role')).toBe('img');
            expect($(element, 'feedback-open').label).toBe('This score looks wrong');

            $(element, 'feedback-open').click();
            await flushPromises();
            expect($(element, 'feedback-form').getAttribute('role')).toBe('group');
            expect($(element, 'feedback-form').getAttribute('aria-label')).toBe('Tell RevOps this score looks wrong');
            expect($(element, 'feedback-comment').label).toBe('Comment (optional)');
            expect($(element, 'feedback-send').label).toBe('Send feedback');
        });
    });
});

/** The scored lead after a rescore: same record, a newer score. */
function hotContactAsLead() {
    return { ...hotContact, apiName: 'Lead', id: LEAD_ID };
}

function historyPoint(composite) {
    return { scored_at: '2026-11-01T10:00:00.000Z', status: 'scored', composite, fit: 50, engagement: 50, grade: 'B2', tier: 'Warm', reasons: [], model_version: 'old' };
}
