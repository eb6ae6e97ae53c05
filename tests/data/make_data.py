"""Writes the small files of tests/data from the bundled S&P 500 data (run once; the files
are committed): month-end adjusted closes of AAPL, KO and XOM and the S&P 500 level,
2019-2021, in each layout the command line reads. KO has no row for 2020-06-30 in the
long and per-ticker files (a blank cell in the wide one). The per-ticker files are in
Yahoo's layout; the data hold adjusted closes only, so Open, High, Low and Close are the
adjusted close rounded to cents and Volume is 0 (one 'n/a', which must stop nothing)."""

from pathlib import Path

import numpy as np
import pandas as pd

from xl_portbeta.datasets import load_sp500

HERE = Path(__file__).resolve().parent
TICKERS = ["AAPL", "KO", "XOM"]
GAP = ("KO", "2020-06-30")


def month_ends() -> pd.DataFrame:
    prices, index = load_sp500()
    frame = prices.loc["2019":"2021", TICKERS].assign(SPX=index.loc["2019":"2021"])
    frame = frame.groupby(frame.index.to_period("M")).tail(1)
    frame.index.name = "Date"
    return frame


def main() -> None:
    frame = month_ends()
    wide = frame.copy()
    wide.loc[GAP[1], GAP[0]] = np.nan
    wide.to_csv(HERE / "wide.csv", date_format="%Y-%m-%d", float_format="%.6f")
    long = frame.stack().rename("price").reset_index().rename(columns={"Date": "date", "level_1": "ticker"})
    long = long[~((long["ticker"] == GAP[0]) & (long["date"] == GAP[1]))].sort_values(["ticker", "date"])
    long.to_csv(HERE / "long.csv", index=False, date_format="%Y-%m-%d", float_format="%.6f")
    (HERE / "yahoo").mkdir(exist_ok=True)
    (HERE / "market").mkdir(exist_ok=True)
    for ticker in TICKERS + ["SPX"]:
        series = frame[ticker].drop(pd.Timestamp(GAP[1])) if ticker == GAP[0] else frame[ticker]
        cents = series.round(2)
        yahoo = pd.DataFrame(
            {"Open": cents, "High": cents, "Low": cents, "Close": cents, "Adj Close": series, "Volume": 0}
        )
        yahoo["Volume"] = yahoo["Volume"].astype(object)
        yahoo.iloc[3, -1] = "n/a"
        folder = HERE / ("market" if ticker == "SPX" else "yahoo")
        yahoo.to_csv(folder / f"{ticker}.csv", date_format="%Y-%m-%d", float_format="%.6f")
    frame[["SPX"]].to_csv(HERE / "spx.csv", date_format="%Y-%m-%d", float_format="%.6f")
    (HERE / "holdings.csv").write_text("ticker,shares\naapl,100\nXom,250\n")
    # month-end statements, wide and long (a long statement's unlisted assets are not held), and a
    # ledger of trades (signed; two on Saturdays, which count from the next month-end; a ticker in
    # lower case); the first statement (2019-03-29) leaves the first two month-ends without holdings
    (HERE / "statements.csv").write_text(
        "Date,AAPL,KO,XOM\n2019-03-29,100,400,250\n2019-09-30,120,400,200\n2020-06-30,120,0,300\n"
        "2021-03-31,150,300,300\n"
    )
    (HERE / "statements_long.csv").write_text(
        "date,ticker,shares\n2019-03-29,AAPL,100\n2019-03-29,KO,400\n2019-03-29,XOM,250\n2019-09-30,AAPL,120\n"
        "2019-09-30,KO,400\n2019-09-30,XOM,200\n2020-06-30,AAPL,120\n2020-06-30,XOM,300\n2021-03-31,AAPL,150\n"
        "2021-03-31,KO,300\n2021-03-31,XOM,300\n"
    )
    (HERE / "trades.csv").write_text(
        "date,ticker,quantity\n2019-02-28,AAPL,100\n2019-02-28,XOM,250\n2019-06-15,KO,400\n2020-03-31,XOM,-50\n"
        "2020-11-30,AAPL,-40\n2021-02-27,ko,-100\n"
    )
    # each account's trades (book --trades): fund A's are trades.csv's, fund B starts later
    (HERE / "account_trades.csv").write_text(
        "account,date,ticker,quantity\nfund A,2019-02-28,AAPL,100\nfund A,2019-02-28,XOM,250\n"
        "fund A,2019-06-15,KO,400\nfund A,2020-03-31,XOM,-50\nfund A,2020-11-30,AAPL,-40\n"
        "fund A,2021-02-27,ko,-100\nfund B,2019-09-30,KO,300\nfund B,2020-01-31,XOM,100\n"
    )
    (HERE / "accounts.csv").write_text("account,ticker,shares\nfund A,AAPL,100\nfund A,xom,250\nfund B,KO,400\n")
    # the same prices as exported by a spreadsheet: thousands separators and currency signs,
    # and decimal commas (European), both as quoted text
    text = wide.map(lambda v: "" if pd.isna(v) else f"${v:,.3f}")
    text.to_csv(HERE / "exported.csv", date_format="%Y-%m-%d")
    text = wide.map(lambda v: "" if pd.isna(v) else f"{v:,.3f}".replace(",", " ").replace(".", ",").replace(" ", "."))
    text.to_csv(HERE / "exported_eu.csv", date_format="%Y-%m-%d")
    # an analyst's sheet: a notes column of text, one 'n/a' price, dates in a column named Day
    notes = wide.astype(object)
    notes.loc["2020-09-30", "XOM"] = "n/a"
    notes.insert(0, "Notes", "rebalanced")
    notes.to_csv(HERE / "notes.csv", date_format="%Y-%m-%d")
    wide.rename_axis("Day").to_csv(HERE / "day.csv", date_format="%Y-%m-%d", float_format="%.6f")
    equal_weighted().to_csv(HERE / "eqw.csv", date_format="%Y-%m-%d", float_format="%.6f")
    currency_files(frame.index)


def currency_files(dates: pd.DatetimeIndex) -> None:
    """Issue 21: a broker's positions export, and the assets as if KO were quoted in euros and XOM
    in pounds: each asset's currency and made-up rates on the prices' dates (one unit in dollars),
    the EUR rate blank on 2021-03-31 (a missing price that date, never the rate before)."""
    (HERE / "positions.csv").write_text(
        'Symbol,Description,Quantity,Price,Market Value\nAAPL,APPLE INC,100,132.69,"13,269.00"\n'
        'XOM,EXXON MOBIL CORP,250,41.22,"10,305.00"\nKO,COCA-COLA CO,400,54.84,"21,936.00"\n'
    )
    (HERE / "currencies.csv").write_text("ticker,currency\nAAPL,usd\nKO,EUR\nXOM,GBP\n")
    k = np.arange(len(dates))
    fx = pd.DataFrame(
        {"EUR": (1.12 + 0.04 * np.sin(k / 4)).round(4), "GBP": (1.29 + 0.05 * np.cos(k / 6)).round(4)}, index=dates
    )
    fx.loc["2021-03-31", "EUR"] = np.nan
    fx.to_csv(HERE / "fx.csv", date_format="%Y-%m-%d", float_format="%.4f")


def equal_weighted() -> pd.DataFrame:
    """A second benchmark, EQW: the bundled stocks equally weighted at the start (100 on the
    first month-end), on the month-ends of :func:`month_ends`."""
    prices, _ = load_sp500()
    ends = prices.loc[month_ends().index]
    return pd.DataFrame({"EQW": 100 * (ends / ends.iloc[0]).mean(axis=1)}).rename_axis("Date")


if __name__ == "__main__":
    main()
