#!/usr/bin/python3
"""Reference models on the same folds as `leadscore evaluate --predictions`.

Reads the flat table, drops the same columns, one-hot encodes text columns (numbers stay numbers,
blanks are NaN), and trains XGBoost (hist, 300 trees, depth 6, learning rate 0.05, 2 threads),
scikit-learn's HistGradientBoosting and a logistic regression on each fold that Leadscore used.
Prints one JSON object: AUC, log loss, calibration error and training seconds of each.
Debian's python3-xgboost and python3-sklearn; benchmarks only, never a test or runtime dependency.

usage: xgboost_folds.py CSV LABEL ID|- DROP(comma-separated)|- PREDICTIONS.csv
"""
import csv, json, sys, time
import numpy as np
import xgboost as xgb
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, log_loss
from sklearn.preprocessing import StandardScaler

path, label, id_col, drop, predictions = sys.argv[1:6]
text = open(path, encoding='utf-8-sig').read()
first = text.split('\n', 1)[0]
delimiter = max([',', ';', '\t'], key=lambda d: len(first.split(d)))
rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
header = [h.strip() for h in rows[0]]
rows = [r for r in rows[1:] if r]
dropped = set() if drop == '-' else {d.strip() for d in drop.split(',')}
POS = {'1', 'yes', 'y', 'true', 't', 'converted', 'won'}
y = np.array([1 if r[header.index(label)].strip().lower() in POS else 0 for r in rows])
use = [i for i, h in enumerate(header) if h != label and h != id_col and h not in dropped]

def number(v):
    try:
        return float(v.replace(',', ''))
    except ValueError:
        return None

columns = []
for i in use:
    values = [r[i].strip() for r in rows]
    filled = [v for v in values if v != '']
    if filled and sum(number(v) is not None for v in filled) >= 0.95 * len(filled):
        columns.append(np.array([number(v) if v != '' and number(v) is not None else np.nan for v in values]))
    else:
        counts = {}
        for v in filled:
            counts[v] = counts.get(v, 0) + 1
        for cat in sorted(c for c, n in counts.items() if n >= 5):
            columns.append(np.array([1.0 if v == cat else 0.0 for v in values]))
X = np.column_stack(columns)

fold = {}
with open(predictions) as f:
    for rec in csv.DictReader(f):
        fold[rec['id']] = int(rec['fold'])
ids = [r[header.index(id_col)] if id_col != '-' else str(k) for k, r in enumerate(rows)]
folds = np.array([fold[i] for i in ids])

def ece(p, t, bins=10):
    b = np.minimum((p * bins).astype(int), bins - 1)
    return sum(abs(p[b == k].sum() - t[b == k].sum()) for k in range(bins)) / len(p)

out = {}
for name in ['xgboost', 'sklearn_hgb', 'logistic']:
    oof = np.zeros(len(y))
    seconds = 0.0
    for k in sorted(set(folds)):
        tr, te = folds != k, folds == k
        t0 = time.time()
        if name == 'xgboost':
            m = xgb.XGBClassifier(tree_method='hist', n_estimators=300, max_depth=6, learning_rate=0.05, n_jobs=2)
            m.fit(X[tr], y[tr])
            oof[te] = m.predict_proba(X[te])[:, 1]
        elif name == 'sklearn_hgb':
            m = HistGradientBoostingClassifier(random_state=7)
            m.fit(X[tr], y[tr])
            oof[te] = m.predict_proba(X[te])[:, 1]
        else:
            Xf = np.where(np.isnan(X), np.nanmean(X[tr], axis=0), X)
            s = StandardScaler().fit(Xf[tr])
            m = LogisticRegression(max_iter=2000)
            m.fit(s.transform(Xf[tr]), y[tr])
            oof[te] = m.predict_proba(s.transform(Xf[te]))[:, 1]
        seconds += time.time() - t0
    out[name] = {'auc': roc_auc_score(y, oof), 'logLoss': log_loss(y, np.clip(oof, 1e-15, 1 - 1e-15)), 'ece': ece(oof, y), 'trainSeconds': seconds}
print(json.dumps({'rows': len(y), 'features': X.shape[1], 'models': out, 'xgboostVersion': xgb.__version__}))
