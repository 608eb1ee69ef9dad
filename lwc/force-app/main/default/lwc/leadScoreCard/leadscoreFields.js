// The written-back fields, imported by reference so the platform keeps them from being deleted
// while the card uses them. Lead and Contact carry the same names (src/settings/schema.ts defaults).
import LEAD_SCORE from '@salesforce/schema/Lead.Leadscore_Score__c';
import LEAD_FIT from '@salesforce/schema/Lead.Leadscore_Fit__c';
import LEAD_ENGAGEMENT from '@salesforce/schema/Lead.Leadscore_Engagement__c';
import LEAD_GRADE from '@salesforce/schema/Lead.Leadscore_Grade__c';
import LEAD_TIER from '@salesforce/schema/Lead.Leadscore_Tier__c';
import LEAD_REASONS from '@salesforce/schema/Lead.Leadscore_Reasons__c';
import LEAD_NEXT_ACTION from '@salesforce/schema/Lead.Leadscore_Next_Action__c';
import LEAD_SCORED_AT from '@salesforce/schema/Lead.Leadscore_Scored_At__c';
import LEAD_MODEL_VERSION from '@salesforce/schema/Lead.Leadscore_Model_Version__c';
import CONTACT_SCORE from '@salesforce/schema/Contact.Leadscore_Score__c';
import CONTACT_FIT from '@salesforce/schema/Contact.Leadscore_Fit__c';
import CONTACT_ENGAGEMENT from '@salesforce/schema/Contact.Leadscore_Engagement__c';
import CONTACT_GRADE from '@salesforce/schema/Contact.Leadscore_Grade__c';
import CONTACT_TIER from '@salesforce/schema/Contact.Leadscore_Tier__c';
import CONTACT_REASONS from '@salesforce/schema/Contact.Leadscore_Reasons__c';
import CONTACT_NEXT_ACTION from '@salesforce/schema/Contact.Leadscore_Next_Action__c';
import CONTACT_SCORED_AT from '@salesforce/schema/Contact.Leadscore_Scored_At__c';
import CONTACT_MODEL_VERSION from '@salesforce/schema/Contact.Leadscore_Model_Version__c';

const FIELDS = {
    Lead: {
        score: LEAD_SCORE,
        fit: LEAD_FIT,
        engagement: LEAD_ENGAGEMENT,
        grade: LEAD_GRADE,
        tier: LEAD_TIER,
        reasons: LEAD_REASONS,
        nextAction: LEAD_NEXT_ACTION,
        scoredAt: LEAD_SCORED_AT,
        modelVersion: LEAD_MODEL_VERSION
    },
    Contact: {
        score: CONTACT_SCORE,
        fit: CONTACT_FIT,
        engagement: CONTACT_ENGAGEMENT,
        grade: CONTACT_GRADE,
        tier: CONTACT_TIER,
        reasons: CONTACT_REASONS,
        nextAction: CONTACT_NEXT_ACTION,
        scoredAt: CONTACT_SCORED_AT,
        modelVersion: CONTACT_MODEL_VERSION
    }
};

// One array per object, made once: the record wire sees the same value on every render.
const FIELD_LISTS = { Lead: Object.values(FIELDS.Lead), Contact: Object.values(FIELDS.Contact) };

/** The card's fields on this object ({ score: FieldId, ... }), or null for an object it does not support. */
export function fieldsOf(objectApiName) {
    return FIELDS[objectApiName] ?? null;
}

/** The same fields as the list getRecord takes, or undefined (the wire waits) for other objects. */
export function fieldListOf(objectApiName) {
    return FIELD_LISTS[objectApiName];
}
