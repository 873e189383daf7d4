"""Render training_script.py: a short script driven by experiment-config.yaml.

The script reads every decision (columns, target, split, model, metrics) from the YAML at run
time. It holds only what this design uses: the branches of its column groups, its candidate
model families, derived features or a forecast when it has them; the machinery that is the same
for every design is imported from ml_engineer_runtime. Untrusted text reaches it only through
the `comment` and `pyrepr` filters; class and module names come from the tables below.
"""

from __future__ import annotations

import textwrap
from collections import defaultdict

import ml_engineer_runtime

from ml_engineer.chosen_model import ModelChoice, read_choice
from ml_engineer.models import ExperimentConfig, FeatureSpec
from ml_engineer.render.jinja_env import comment, python_environment

# One template per framework. PyTorch extends the scikit-learn one (the same data checks, split,
# metrics and saved pipeline, another model), and so do LightGBM and XGBoost through the
# early-stopping wrapper they share (training_script_boosting.py.j2); Spark is its own.
TEMPLATES = {
    "sklearn": "training_script.py.j2",
    "lightgbm": "training_script_lightgbm.py.j2",
    "xgboost": "training_script_xgboost.py.j2",
    "pytorch": "training_script_pytorch.py.j2",
    "spark": "training_script_spark.py.j2",
}
MAX_EXCLUDED_LISTED = 30
# The preprocessor's branches in this order: models that sample columns (LightGBM's
# colsample_bytree, forests) see the columns in the order the benchmarks measured. Native HGB
# codes still come first, moved there by the template (the model is told they are 0..k-1).
GROUP_ORDER = ("numeric", "categorical", "high_cardinality", "boolean", "datetime", "text")
# model.type -> (module, classifier, regressor) of the scikit-learn script's families. LightGBM
# is named as "module:Class" and imported by the runtime only when a run measures it.
SKLEARN_FAMILIES = {
    "hist_gradient_boosting": (
        "sklearn.ensemble", "HistGradientBoostingClassifier", "HistGradientBoostingRegressor"
    ),
    "random_forest": ("sklearn.ensemble", "RandomForestClassifier", "RandomForestRegressor"),
    "extra_trees": ("sklearn.ensemble", "ExtraTreesClassifier", "ExtraTreesRegressor"),
    "logistic_regression": ("sklearn.linear_model", "LogisticRegression", None),
    "ridge": ("sklearn.linear_model", None, "Ridge"),
    "lightgbm": ("lightgbm", "LGBMClassifier", "LGBMRegressor"),
}
OPTIONAL_MODULES = ("lightgbm",)
# model.type -> (runtime module, factory) of the families the runtime builds itself: a
# framework's estimator, made from the model section by `factory(model_cfg, task, seed)`.
RUNTIME_FAMILIES = {"mlp": ("torch_mlp", "tabular_mlp")}
# framework -> the runtime module of its one family: the factory `<framework>_model` that puts
# the library's model inside an early-stopping wrapper. A search measures variants of it.
BOOSTING_MODULES = {"lightgbm": "boosting_lightgbm", "xgboost": "boosting_xgboost"}
HEADER_WIDTH = 94  # after "#   ": no header line passes 100 characters


def render_training_script(
    spec: FeatureSpec, config: ExperimentConfig, model: ModelChoice | None = None
) -> str:
    """The script; `model`: what its check run chose, for the header (None: not yet run)."""
    model = model or read_choice(config.model.type, config.model.params, None)
    features = config.data.features
    groups = [(group, names) for group in GROUP_ORDER if (names := getattr(features, group))]
    if config.data.derived or config.data.forecast:  # their columns are numbers, made at run time
        groups = groups if "numeric" in dict(groups) else [*groups, ("numeric", [])]
    excluded = [column.name for column in spec.excluded][:MAX_EXCLUDED_LISTED]
    source = (
        python_environment()
        .get_template(TEMPLATES[config.model.framework])
        .render(
            spec=spec,
            config=config,
            groups=groups,
            excluded=excluded,
            derived=config.data.derived,
            protected=config.data.protected,  # the per-group results are in the script only then
            model=model,
            model_notes=_search_notes(model),
            **_script_parts(config, [group for group, _ in groups]),
        )
    )
    # A template bug must fail here, not in the user's first run.
    compile(source, "training_script.py", "exec")
    return source


def _search_notes(model: ModelChoice) -> list[str]:
    """The check run's search as header lines: the model's rivals and their scores."""
    line = model.search_line()
    if not line:
        return []
    return textwrap.wrap(comment(f"Check run: {line}", max_chars=2000), width=HEADER_WIDTH)


def _script_parts(config: ExperimentConfig, group_names: list[str]) -> dict:
    """What the template writes for this design: its groups, families and imports."""
    task, framework = config.data.task, config.model.framework
    # The PyTorch network takes one dense frame: category codes to embed, text as a few
    # numbers, every branch standardised (training_script_pytorch.py.j2).
    network = framework == "pytorch"
    if framework in BOOSTING_MODULES:
        # The library is the one family; like every family but HGB, it reads one-hot columns.
        factory = f"{framework}_model"
        families, optional, sklearn_imports = [(framework, factory)], [], defaultdict(set)
        runtime_families = {BOOSTING_MODULES[framework]: [factory]}  # from the runtime
    else:
        families, optional, sklearn_imports, runtime_families = _families(config)
    native_name = next(
        (name for kind, name in families if kind == "hist_gradient_boosting"), None
    )
    forecast = config.data.forecast
    change_possible = bool(forecast) and task == "regression" and forecast.predict == "change"
    searched = bool(config.search and config.search.alternatives)
    sklearn_imports["sklearn.compose"].add("ColumnTransformer")
    sklearn_imports["sklearn.pipeline"].add("Pipeline")
    # The network's categorical branch codes a missing value itself: it imputes nothing.
    if set(group_names) - ({"text", "categorical"} if network else {"text"}):
        sklearn_imports["sklearn.impute"].add("SimpleImputer")
    preprocessing = sklearn_imports["sklearn.preprocessing"]
    if set(group_names) - {"text"}:
        preprocessing.add("FunctionTransformer")
    if "numeric" in group_names or network:
        preprocessing.add("StandardScaler")
    if "categorical" in group_names:
        preprocessing.add("OrdinalEncoder" if network else "OneHotEncoder")
        if native_name:
            preprocessing.add("OrdinalEncoder")
    if "text" in group_names and not network:
        preprocessing.add("FunctionTransformer")
        sklearn_imports["sklearn.feature_extraction.text"].add("TfidfVectorizer")
    if not forecast:
        baseline = "DummyRegressor" if task == "regression" else "DummyClassifier"
        sklearn_imports["sklearn.dummy"].add(baseline)
    convert = [
        name
        for name, wanted in (
            ("date_part_names", network and "datetime" in group_names),  # the frame's names
            ("target_encoder", "high_cardinality" in group_names),
            ("to_booleans", "boolean" in group_names),
            ("to_categories", {"categorical", "high_cardinality"} & set(group_names)),
            ("to_date_parts", "datetime" in group_names),
            ("to_numbers", "numeric" in group_names),
            ("to_text", "text" in group_names and not network),
        )
        if wanted
    ]
    runtime = {
        "cli": ["run_script"],
        "convert": convert,
        "derived": ["DerivedFeatures"] if config.data.derived else [],
        "errors": ["ScriptError"] if change_possible else [],
        "estimators": ["build_estimator"],
        "forecast": (["ChangeFromLastValue"] if change_possible else [])
        + (["naive_forecasts"] if forecast else []),
        "project": ["Project", "load_project"],
        # A blend averages families: the network's script has one, so it never blends.
        "search": ["adjusted"] if network else ["adjusted", "blended"],
        "split": ["split_rows"],
        "text": ["TEXT_COMPONENTS", "TextComponents"] if network and "text" in group_names else [],
        "training": ["fit_and_evaluate", "refit", "save", "search_models"],
        **runtime_families,
    }
    return {
        "group_names": group_names,
        "families": families,
        # The HGB family reads category codes natively and needs dense input (text's TF-IDF).
        "native": native_name is not None and bool({"categorical", "text"} & set(group_names)),
        "native_class": native_name,
        "change_possible": change_possible,
        "forecast": bool(forecast),
        # What the script has code for beyond its groups: the runtime refuses a config that
        # asks for more (ml_engineer_runtime.project.SCRIPT_SECTIONS).
        "handles": [
            name
            for name, wanted in (
                ("derived", config.data.derived),
                ("forecast", forecast),
                ("change", change_possible),
            )
            if wanted
        ],
        "searched": searched,
        "optional_packages": optional,
        "runtime_series": ".".join(ml_engineer_runtime.__version__.split(".")[:2]),
        "sklearn_imports": sorted(
            (module, sorted(names)) for module, names in sklearn_imports.items() if names
        ),
        "runtime_imports": [
            (module, sorted(names)) for module, names in sorted(runtime.items()) if names
        ],
    }


def _families(config: ExperimentConfig) -> tuple[list, list[str], dict, dict]:
    """The script's families (model.type, then the search's) as (model.type, the expression
    of its estimator class or factory); the optional packages among them; the classes they
    import from scikit-learn, and the factories from the runtime, by module."""
    task = config.data.task
    kinds = list(dict.fromkeys([config.model.type, *_alternative_types(config)]))
    families, optional = [], []
    sklearn_imports, runtime_families = defaultdict(set), defaultdict(list)
    for kind in kinds:
        if kind in RUNTIME_FAMILIES:
            module, factory = RUNTIME_FAMILIES[kind]
            families.append((kind, factory))
            runtime_families[module].append(factory)
            continue
        module, classifier, regressor = SKLEARN_FAMILIES.get(kind, (None, None, None))
        # A family that has no estimator for the task (ridge for a classification) keeps the
        # one it has: the runtime's checked_task then names the mismatch and the fix.
        name = (regressor or classifier) if task == "regression" else (classifier or regressor)
        if name is None:
            continue  # not a scikit-learn family: build_estimator names the script's families
        if module in OPTIONAL_MODULES:
            families.append((kind, f"\"{module}:{name}\""))  # from the table above
            optional.append(module)
        else:
            families.append((kind, name))
            sklearn_imports[module].add(name)
    return families, optional, sklearn_imports, runtime_families


def _alternative_types(config: ExperimentConfig) -> list[str]:
    return [m.type for m in config.search.alternatives] if config.search else []
