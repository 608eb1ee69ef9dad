#!/usr/bin/python3
"""Time XGBoost hist (2 threads) on a CSV written by bench/models.ts: last column is the label,
blank is missing; the first TRAIN rows train, the rest test. Prints JSON: seconds and test AUC.
usage: xgboost_speed.py CSV TRAIN TREES DEPTH LEARNING_RATE"""
import json, sys, time
import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score

path, n, trees, depth, lr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
d = np.genfromtxt(path, delimiter=',', missing_values='', filling_values=np.nan)
X, y = d[:, :-1], d[:, -1]
dtrain = xgb.DMatrix(X[:n], label=y[:n], nthread=2)
t = time.time()
booster = xgb.train({'tree_method': 'hist', 'max_depth': depth, 'eta': lr, 'objective': 'binary:logistic', 'nthread': 2, 'max_bin': 256}, dtrain, trees)
seconds = time.time() - t
print(json.dumps({'seconds': seconds, 'auc': roc_auc_score(y[n:], booster.predict(xgb.DMatrix(X[n:], nthread=2)))}))
