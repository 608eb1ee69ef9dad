export { escapeHtml } from './html.js';
export { renderRocCurve, renderLiftChart, renderCalibrationCurve, renderScoreHistogramOverTime, renderHotShareOverTime } from './charts.js';
export { renderDriftTable, renderFeatureImportance, renderChampionChallenger, type Importance, type ModelMetrics } from './tables.js';
export { renderModelCard } from './card.js';
export { renderDefaultModelNotice } from './notice.js';
export { loadDashboardData, featureImportance, type DashboardData } from './data.js';
export { DASHBOARD_STYLE, renderDashboard, renderDashboardPage } from './page.js';
export { renderAbTest } from './ab-test.js';
export { renderLastModelChange, type ModelChange } from './promotion.js';
