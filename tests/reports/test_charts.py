from reports.charts import bar_chart, line_chart


def test_bar_chart_escapes_labels_and_says_what_is_withheld():
    svg = bar_chart([("<script>alert(1)</script>", 3), ("Police", None)], title="T & U")
    assert "<script>alert" not in svg
    assert "&lt;script&gt;" in svg
    assert "<title>T &amp; U</title>" in svg
    assert "withheld" in svg
    assert svg.startswith("<svg") and 'role="img"' in svg


def test_line_chart_draws_a_point_per_figure_and_a_legend_per_series():
    svg = line_chart(
        [("Satisfaction", [2.0, None, 4.0]), ("Security", [None, None, None])],
        categories=["2026 Q1", "2026 Q2", "2026 Q3"],
        title="Perceptions",
    )
    assert svg.count("<circle") == 2
    assert svg.count("<polyline") == 1
    assert "Satisfaction" in svg and "Security" in svg and "2026 Q2" in svg
