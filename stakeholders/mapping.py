"""The stakeholder map's layout: the influence x interest grid as the server draws it in
SVG. `selectors.stakeholder_map` fills it with what a user may see."""

from dataclasses import dataclass

from stakeholders.models import RATING_MAX, RATING_MIN


@dataclass
class MapCell:
    """One cell of the influence x interest grid, placed for the SVG drawing."""

    influence: int
    interest: int
    count: int
    points: list

    WIDTH = 200
    HEIGHT = 140
    LEFT = 70
    TOP = 10

    @property
    def more(self):
        return self.count - len(self.points)

    @property
    def x(self):
        return self.LEFT + (self.interest - RATING_MIN) * self.WIDTH

    @property
    def y(self):
        return self.TOP + (RATING_MAX - self.influence) * self.HEIGHT

    LINE = 16
    FIRST_LINE = 38  # below the count

    @property
    def text_x(self):
        return self.x + 10

    @property
    def count_x(self):
        return self.x + self.WIDTH - 10

    @property
    def count_y(self):
        return self.y + 20

    @property
    def placed(self):
        """(baseline, stakeholder) of each name written in the cell."""
        return [
            (self.y + self.FIRST_LINE + index * self.LINE, point)
            for index, point in enumerate(self.points)
        ]

    @property
    def more_y(self):
        return self.y + self.FIRST_LINE + len(self.points) * self.LINE

    @property
    def weight(self):
        """0 (low, low) to 8 (high, high): how strongly the cell is shaded."""
        return self.influence + self.interest - 2 * RATING_MIN


@dataclass
class StakeholderMap:
    rows: list  # influence from high to low, each a list of cells by interest, low to high
    total: int

    @property
    def cells(self):
        return [cell for row in self.rows for cell in row]

    WIDTH = MapCell.LEFT + (RATING_MAX - RATING_MIN + 1) * MapCell.WIDTH + 10
    HEIGHT = MapCell.TOP + (RATING_MAX - RATING_MIN + 1) * MapCell.HEIGHT + 50

    @property
    def x_ticks(self):
        """(x, interest) for the interest axis' labels, centred under each column."""
        return [(cell.x + MapCell.WIDTH // 2, cell.interest) for cell in self.rows[0]]

    @property
    def y_ticks(self):
        """(y, influence) for the influence axis' labels, centred beside each row."""
        return [(row[0].y + MapCell.HEIGHT // 2, row[0].influence) for row in self.rows]

    @property
    def axis_y(self):
        return MapCell.TOP + len(self.rows) * MapCell.HEIGHT

    @property
    def centre_x(self):
        return MapCell.LEFT + len(self.rows[0]) * MapCell.WIDTH // 2

    @property
    def centre_y(self):
        return MapCell.TOP + len(self.rows) * MapCell.HEIGHT // 2
