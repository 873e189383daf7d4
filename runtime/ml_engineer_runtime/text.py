"""Text as a few dense numbers, for models that want dense inputs (the PyTorch network).

Why: TF-IDF gives thousands of sparse columns, which a network's dense first layer would turn
into most of its weights while each row uses a handful. Truncated SVD of the TF-IDF matrix
(latent semantic analysis) keeps its main directions in a few dense numbers the network can
use; preprocessing.text_components sets how many (raise it for long and varied text).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from ml_engineer_runtime.convert import to_text

TEXT_COMPONENTS = 32  # preprocessing.text_components when the config sets none


class TextComponents(TransformerMixin, BaseEstimator):  # mixin first, as scikit-learn asks
    """One text column (1-D) as at most n_components dense numbers: TF-IDF, then SVD."""

    def __init__(
        self, max_features: int = 2000, n_components: int = TEXT_COMPONENTS, random_state=None
    ):
        self.max_features = max_features
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, X: pd.Series, y: Any = None) -> TextComponents:
        self.tfidf_ = TfidfVectorizer(
            max_features=self.max_features, ngram_range=(1, 2), sublinear_tf=True
        )
        matrix = self.tfidf_.fit_transform(to_text(X))
        # SVD cannot make more components than there are words or rows.
        components = max(1, min(self.n_components, matrix.shape[0], matrix.shape[1]))
        self.svd_ = TruncatedSVD(n_components=components, random_state=self.random_state)
        self.svd_.fit(matrix)
        self.name_ = str(getattr(X, "name", None) or "text")
        self.n_features_in_ = 1
        return self

    def transform(self, X: pd.Series) -> np.ndarray:
        check_is_fitted(self, "svd_")
        return self.svd_.transform(self.tfidf_.transform(to_text(X)))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        count = self.svd_.n_components
        return np.asarray([f"{self.name_}_svd{i}" for i in range(count)], dtype=object)
