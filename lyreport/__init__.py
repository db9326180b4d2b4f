"""lyreport: weekly progress returns in, supervision summary (督导情况通报) and ledger (工作台账) out."""

__version__ = "0.1.0"
