/**
 * One readable message per error, whatever shape it came in: a wire or Apex error
 * ({ body: { message } } or { body: [{ message }] }), a record API error with field and page
 * errors, a JavaScript Error, a string, or a list of any of these.
 * @param {unknown} errors
 * @returns {string[]}
 */
export function reduceErrors(errors) {
    const list = Array.isArray(errors) ? errors : [errors];
    return list
        .filter((error) => error !== null && error !== undefined)
        .flatMap(messagesOf)
        .filter((message) => typeof message === 'string' && message.length > 0);
}

function messagesOf(error) {
    if (typeof error === 'string') return [error];
    const body = error.body;
    if (Array.isArray(body)) return body.map((e) => e.message);
    if (body && typeof body === 'object') {
        const pageErrors = body.output?.errors?.map((e) => e.message) ?? [];
        const fieldErrors = Object.values(body.output?.fieldErrors ?? {})
            .flat()
            .map((e) => e.message);
        const all = [...pageErrors, ...fieldErrors];
        if (all.length) return all;
        if (typeof body.message === 'string') return [body.message];
    }
    if (typeof error.message === 'string') return [error.message];
    if (typeof error.statusText === 'string') return [error.statusText];
    return ['Unknown error'];
}
