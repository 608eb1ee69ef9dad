// Routing editor, progressive enhancement only: show the settings of the kind of assignment a rule
// uses as soon as it is picked, and the weight column only for weighted rules. Without this script
// the page shows the same after Check.
/* global document */
(function () {
  const form = document.getElementById('routing-form');
  if (!form) return;
  const apply = (rule) => {
    const select = rule.querySelector('[data-kind-select]');
    if (!select) return;
    const kind = select.value;
    rule.dataset.kind = kind;
    rule.querySelectorAll('.assign').forEach((section) => {
      section.hidden = !section.dataset.for.split(' ').includes(kind);
    });
    // Weights mean something only to weighted rules (the page without the script shows the column, labelled so).
    rule.querySelectorAll('.owners .weight, .owners th.weight').forEach((cell) => {
      cell.hidden = kind !== 'weighted';
    });
  };
  form.querySelectorAll('fieldset.rule').forEach(apply);
  form.addEventListener('change', (event) => {
    if (event.target && event.target.matches && event.target.matches('[data-kind-select]')) apply(event.target.closest('fieldset.rule'));
  });
})();
