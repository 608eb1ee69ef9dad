import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import getScoreHistory from '@salesforce/apex/LeadscoreApi.getScoreHistory';
import sendFeedback from '@salesforce/apex/LeadscoreApi.sendFeedback';
import { reduceErrors } from 'c/ldsUtils';
import { fieldListOf, fieldsOf } from './leadscoreFields';
import { NOT_SCORED_TIER, probabilityWords, splitReasons, tierTheme, trendOf } from './scoreView';

/** The feedback API's reasons (POST /api/v1/leads/:source/:id/feedback). */
const FEEDBACK_REASONS = [
    { label: 'The score is too high', value: 'too_high' },
    { label: 'The score is too low', value: 'too_low' },
    { label: 'The reasons are wrong', value: 'wrong_reasons' },
    { label: 'Something else', value: 'other' }
];

/**
 * The Leadscore card on Lead and Contact record pages: the scores written back to the record
 * (read through Lightning Data Service) and the recent history and feedback (through Apex and the
 * Leadscore API).
 */
export default class LeadScoreCard extends LightningElement {
    @api recordId;
    @api objectApiName;

    record;
    recordError;
    history;
    /** The record the history belongs to: another record's trend is never shown. */
    historyRecordId;
    historyError;
    historyLoading = false;
    feedbackOpen = false;
    feedbackReason;
    feedbackComment = '';
    feedbackSending = false;
    feedbackError;
    feedbackReasons = FEEDBACK_REASONS;

    /** Number of the latest history request: an older request that answers later is ignored. */
    historyRequest = 0;
    /** The record and score the history was loaded for; a new score on the record loads it again. */
    historyKey;

    get fields() {
        return fieldsOf(this.objectApiName);
    }

    get recordFields() {
        return fieldListOf(this.objectApiName);
    }

    @wire(getRecord, { recordId: '$recordId', fields: '$recordFields' })
    wiredRecord({ data, error }) {
        if (data) {
            this.record = data;
            this.recordError = undefined;
            // The trend only accompanies a score; a record without one makes no callout.
            const key = this.isScored ? `${this.recordId}|${this.value('scoredAt') ?? ''}` : undefined;
            if (key && key !== this.historyKey) {
                this.historyKey = key;
                this.loadHistory();
            }
        } else if (error) {
            this.record = undefined;
            this.recordError = reduceErrors(error).join(' ');
        }
    }

    async loadHistory() {
        const request = ++this.historyRequest;
        this.historyLoading = true;
        try {
            const recordId = this.recordId;
            const answer = await getScoreHistory({ recordId });
            if (request !== this.historyRequest) return;
            this.history = answer?.history ?? [];
            this.historyRecordId = recordId;
            this.historyError = undefined;
        } catch (error) {
            if (request !== this.historyRequest) return;
            this.history = undefined;
            this.historyError = reduceErrors(error).join(' ');
        } finally {
            if (request === this.historyRequest) this.historyLoading = false;
        }
    }

    value(name) {
        return this.record && this.fields ? getFieldValue(this.record, this.fields[name]) : undefined;
    }

    // States: unsupported object, loading, record error, not scored, scored.
    get unsupportedObject() {
        return Boolean(this.objectApiName) && !this.fields;
    }

    get errorMessage() {
        if (this.unsupportedObject) return `The Leadscore card works on Lead and Contact pages, not on ${this.objectApiName}.`;
        return this.recordError ? `Leadscore could not load this record's score: ${this.recordError}` : undefined;
    }

    get isLoading() {
        return !this.record && !this.errorMessage;
    }

    get composite() {
        const score = this.value('score');
        return typeof score === 'number' ? score : null;
    }

    get isScored() {
        return this.composite !== null;
    }

    get notScoredReason() {
        const reason = this.value('tier') === NOT_SCORED_TIER ? String(this.value('reasons') ?? '').trim() : '';
        return reason ? `Leadscore could not score it: ${reason}.` : 'Leadscore has not scored this record yet.';
    }

    // The scored view.
    get tier() {
        return this.value('tier') ?? '';
    }

    get compositeClass() {
        return `composite slds-align_absolute-center slds-text-heading_large ${tierTheme(this.tier)}`;
    }

    get compositeLabel() {
        return `Composite score ${this.composite} out of 100${this.tier ? `, tier ${this.tier}` : ''}`;
    }

    get probability() {
        return probabilityWords(this.composite);
    }

    get grade() {
        return this.value('grade') ?? '';
    }

    get fit() {
        return this.part('fit', 'Fit');
    }

    get engagement() {
        return this.part('engagement', 'Engagement');
    }

    part(name, label) {
        const score = this.value(name);
        if (typeof score !== 'number') return { known: false, label, text: `${label}: not available` };
        return { known: true, label, value: score, text: `${label}: ${score} out of 100`, style: `width: ${Math.min(100, Math.max(0, score))}%` };
    }

    get reasons() {
        const { positive, negative } = splitReasons(this.value('reasons'));
        return {
            positive: positive.map((text, i) => ({ key: `for-${i}`, text })),
            negative: negative.map((text, i) => ({ key: `against-${i}`, text }))
        };
    }

    get hasReasonsFor() {
        return this.reasons.positive.length > 0;
    }

    get hasReasonsAgainst() {
        return this.reasons.negative.length > 0;
    }

    get nextAction() {
        return this.value('nextAction') ?? '';
    }

    get scoredAt() {
        return this.value('scoredAt') ?? undefined;
    }

    get modelVersion() {
        return this.value('modelVersion') ?? 'unknown';
    }

    get currentHistory() {
        return this.historyRecordId === this.recordId ? this.history : undefined;
    }

    get trend() {
        return trendOf(this.currentHistory);
    }

    get showHistoryLoading() {
        return this.historyLoading && !this.currentHistory;
    }

    // Feedback.
    openFeedback() {
        this.feedbackOpen = true;
        this.feedbackError = undefined;
    }

    closeFeedback() {
        this.feedbackOpen = false;
        this.feedbackReason = undefined;
        this.feedbackComment = '';
        this.feedbackError = undefined;
    }

    handleReasonChange(event) {
        this.feedbackReason = event.detail.value;
        this.feedbackError = undefined;
    }

    handleCommentChange(event) {
        this.feedbackComment = event.detail.value ?? '';
    }

    async handleSendFeedback() {
        if (!this.feedbackReason) {
            this.feedbackError = 'Choose why the score looks wrong.';
            return;
        }
        this.feedbackSending = true;
        try {
            await sendFeedback({ recordId: this.recordId, reason: this.feedbackReason, comment: this.feedbackComment.trim() });
            this.dispatchEvent(
                new ShowToastEvent({ title: 'Feedback sent', message: 'Thank you: RevOps will look at this score.', variant: 'success' })
            );
            this.closeFeedback();
        } catch (error) {
            const message = reduceErrors(error).join(' ');
            this.feedbackError = message;
            this.dispatchEvent(new ShowToastEvent({ title: 'Feedback not sent', message, variant: 'error' }));
        } finally {
            this.feedbackSending = false;
        }
    }
}
