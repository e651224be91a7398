package tv.marquee.app.ui

import androidx.activity.compose.BackHandler
import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.LazyRow
import androidx.compose.foundation.lazy.grid.GridCells
import androidx.compose.foundation.lazy.grid.LazyVerticalGrid
import androidx.compose.foundation.lazy.grid.items
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.pager.VerticalPager
import androidx.compose.foundation.pager.rememberPagerState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Favorite
import androidx.compose.material.icons.filled.Home
import androidx.compose.material.icons.filled.PlayArrow
import androidx.compose.material.icons.filled.Search
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.Icon
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.darkColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import coil.compose.AsyncImage
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import tv.marquee.app.AppConfig
import tv.marquee.app.R
import tv.marquee.app.api.ContinueItem
import tv.marquee.app.api.Rail
import tv.marquee.app.api.Repository
import tv.marquee.app.api.Title
import tv.marquee.app.api.best
import tv.marquee.app.auth.Session
import tv.marquee.app.player.PlayerActivity

/** Loading, failed or loaded: every screen's data goes through this. */
sealed interface Load<out T> {
    data object Loading : Load<Nothing>
    data class Failed(val message: String) : Load<Nothing>
    data class Done<T>(val value: T) : Load<T>
}

@Composable
fun <T> load(vararg keys: Any?, block: suspend () -> T): Load<T> {
    val state by produceState<Load<T>>(Load.Loading, *keys) {
        value = runCatching { block() }.fold({ Load.Done(it) }, { Load.Failed(it.message ?: "error") })
    }
    return state
}

@Composable
fun MobileApp(repo: Repository, session: Session, stack: BackStack) {
    val colors = darkColorScheme(
        primary = Palette.Primary, onPrimary = Palette.OnPrimary, secondary = Palette.Accent,
        background = Palette.Background, surface = Palette.Surface, onBackground = Palette.Text,
        onSurface = Palette.Text, onSurfaceVariant = Palette.Muted,
    )
    MaterialTheme(colorScheme = colors) {
        BackHandler(enabled = stack.screens.size > 1) { stack.pop() }
        val signedIn by session.signedIn.collectAsState()
        Scaffold(
            containerColor = Palette.Background,
            bottomBar = {
                NavigationBar(containerColor = Palette.Surface) {
                    Tab(stack, Screen.Home, stringResource(R.string.home)) { Icon(Icons.Filled.Home, null) }
                    Tab(stack, Screen.Search, stringResource(R.string.search)) { Icon(Icons.Filled.Search, null) }
                    if (AppConfig.SHORTS) Tab(stack, Screen.Shorts, stringResource(R.string.shorts)) { Icon(Icons.Filled.PlayArrow, null) }
                    Tab(stack, if (signedIn) Screen.MyList else Screen.SignIn, stringResource(R.string.my_list)) { Icon(Icons.Filled.Favorite, null) }
                }
            },
        ) { padding ->
            Box(Modifier.padding(padding).fillMaxSize()) {
                val open: (Title) -> Unit = { t ->
                    stack.push(if (t.kind == "EPISODE" && t.series != null) Screen.SeriesDetails(t.series.id) else Screen.TitleDetails(t.id))
                }
                when (val s = stack.top) {
                    Screen.Home -> HomeScreen(repo, signedIn, open)
                    Screen.Search -> SearchScreen(repo, open)
                    Screen.Shorts -> ShortsScreen(repo)
                    Screen.MyList -> MyListScreen(repo, open)
                    Screen.SignIn, Screen.Activate -> SignInScreen(repo) { stack.root(Screen.MyList) }
                    is Screen.TitleDetails -> TitleScreen(repo, s.id, signedIn) { stack.push(Screen.SignIn) }
                    is Screen.SeriesDetails -> SeriesScreen(repo, s.id)
                }
            }
        }
    }
}

@Composable
private fun androidx.compose.foundation.layout.RowScope.Tab(stack: BackStack, target: Screen, label: String, icon: @Composable () -> Unit) {
    NavigationBarItem(selected = stack.top == target, onClick = { stack.root(target) }, icon = icon, label = { Text(label) })
}

@Composable
private fun <T> Loaded(state: Load<T>, content: @Composable (T) -> Unit) {
    when (state) {
        Load.Loading -> Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { LinearProgressIndicator(color = Palette.Primary) }
        is Load.Failed -> Box(Modifier.fillMaxSize().padding(24.dp), contentAlignment = Alignment.Center) { Text(state.message, color = Palette.Text) }
        is Load.Done -> content(state.value)
    }
}

@Composable
fun HomeScreen(repo: Repository, signedIn: Boolean, open: (Title) -> Unit) {
    val rails = load(Unit) { repo.home() }
    val continuing = load(signedIn) { if (signedIn) repo.continueWatching() else emptyList() }
    val context = LocalContext.current
    Loaded(rails) { list ->
        LazyColumn(contentPadding = PaddingValues(vertical = 16.dp)) {
            val resume = (continuing as? Load.Done<List<ContinueItem>>)?.value.orEmpty()
            if (resume.isNotEmpty()) item { Column {
                RailHeader(stringResource(R.string.continue_watching))
                LazyRow(contentPadding = PaddingValues(horizontal = 16.dp), horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                    items(resume) { c ->
                        Column(Modifier.width(220.dp).clickable { context.startActivity(PlayerActivity.intent(context, c.title.id)) }) {
                            AsyncImage(c.title.backdrop.best(480)?.url, c.title.title, Modifier.fillMaxWidth().aspectRatio(16f / 9f), contentScale = ContentScale.Crop)
                            LinearProgressIndicator(progress = { c.positionSeconds.toFloat() / c.durationSeconds.coerceAtLeast(1) }, modifier = Modifier.fillMaxWidth(), color = Palette.Primary)
                            Text(c.title.title, color = Palette.Text, maxLines = 1)
                        }
                    }
                }
            } }
            items(list, key = Rail::id) { rail ->
                Column {
                    RailHeader(rail.title)
                    LazyRow(contentPadding = PaddingValues(horizontal = 16.dp), horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                        items(rail.collection.items.nodes, key = Title::id) { t -> PosterCard(t) { open(t) } }
                    }
                }
            }
        }
    }
}

@Composable
private fun RailHeader(text: String) {
    Text(text, color = Palette.Text, style = MaterialTheme.typography.titleMedium, modifier = Modifier.padding(start = 16.dp, top = 16.dp, bottom = 8.dp))
}

@Composable
fun PosterCard(t: Title, onClick: () -> Unit) {
    Column(Modifier.width(120.dp).clickable(onClick = onClick)) {
        AsyncImage(t.poster.best(300)?.url, t.title, Modifier.fillMaxWidth().aspectRatio(2f / 3f).background(Palette.Surface), contentScale = ContentScale.Crop)
        Text(t.title, color = Palette.Text, maxLines = 2, style = MaterialTheme.typography.bodySmall)
    }
}

@Composable
fun TitleScreen(repo: Repository, id: String, signedIn: Boolean, needSignIn: () -> Unit) {
    val title = load(id) { repo.title(id) }
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    var inList by remember { mutableStateOf<Boolean?>(null) }
    LaunchedEffect(id, signedIn) { if (signedIn) inList = runCatching { repo.myList().any { it.id == id } }.getOrNull() }
    Loaded(title) { t ->
        LazyColumn {
            item { Column {
                AsyncImage(t.backdrop.best(1280)?.url, t.title, Modifier.fillMaxWidth().aspectRatio(16f / 9f), contentScale = ContentScale.Crop)
                Column(Modifier.padding(16.dp)) {
                    Text(t.title, color = Palette.Text, style = MaterialTheme.typography.headlineSmall)
                    val meta = listOfNotNull(t.releaseYear?.toString(), t.rating?.value, formatDuration(t.durationSeconds).ifEmpty { null }) + t.genres
                    Text(meta.joinToString(" · "), color = Palette.Muted)
                    Spacer(Modifier.height(12.dp))
                    Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                        Button(
                            onClick = { if (signedIn) context.startActivity(PlayerActivity.intent(context, t.id)) else needSignIn() },
                            colors = ButtonDefaults.buttonColors(containerColor = Palette.Primary, contentColor = Palette.OnPrimary),
                        ) { Text(stringResource(R.string.play)) }
                        if (signedIn && inList != null) OutlinedButton(onClick = {
                            val add = inList != true
                            scope.launch { runCatching { repo.setInMyList(t.id, add) }.onSuccess { inList = add } }
                        }) { Text(stringResource(if (inList == true) R.string.remove_from_my_list else R.string.add_to_my_list)) }
                    }
                    Spacer(Modifier.height(12.dp))
                    Text(t.synopsis, color = Palette.Text)
                }
            } }
        }
    }
}

@Composable
fun SeriesScreen(repo: Repository, id: String) {
    val series = load(id) { repo.series(id) }
    val context = LocalContext.current
    Loaded(series) { s ->
        LazyColumn {
            item { Column {
                AsyncImage(s.backdrop.best(1280)?.url, s.title, Modifier.fillMaxWidth().aspectRatio(16f / 9f), contentScale = ContentScale.Crop)
                Text(s.title, color = Palette.Text, style = MaterialTheme.typography.headlineSmall, modifier = Modifier.padding(16.dp))
                Text(s.synopsis, color = Palette.Text, modifier = Modifier.padding(horizontal = 16.dp))
            } }
            s.seasons.forEach { season ->
                item { RailHeader(season.name.ifEmpty { context.getString(R.string.season, season.number) }) }
                items(season.episodes, key = Title::id) { e ->
                    Row(Modifier.fillMaxWidth().clickable { context.startActivity(PlayerActivity.intent(context, e.id)) }.padding(horizontal = 16.dp, vertical = 8.dp)) {
                        AsyncImage(e.backdrop.best(320)?.url, e.title, Modifier.width(140.dp).aspectRatio(16f / 9f), contentScale = ContentScale.Crop)
                        Column(Modifier.padding(start = 12.dp)) {
                            Text("${e.episodeNumber ?: ""}. ${e.title}", color = Palette.Text)
                            Text(formatDuration(e.durationSeconds), color = Palette.Muted)
                        }
                    }
                }
            }
        }
    }
}

@Composable
fun SearchScreen(repo: Repository, open: (Title) -> Unit) {
    var query by remember { mutableStateOf("") }
    var results by remember { mutableStateOf<Load<List<Title>>>(Load.Done(emptyList())) }
    LaunchedEffect(query) {
        if (query.isBlank()) { results = Load.Done(emptyList()); return@LaunchedEffect }
        delay(300) // debounce typing
        results = runCatching { repo.search(query).nodes }.fold({ Load.Done(it) }, { Load.Failed(it.message ?: "") })
    }
    Column(Modifier.fillMaxSize()) {
        OutlinedTextField(query, { query = it }, Modifier.fillMaxWidth().padding(16.dp), placeholder = { Text(stringResource(R.string.search_hint)) }, singleLine = true)
        Loaded(results) { list -> TitleGrid(list, open) }
    }
}

@Composable
private fun TitleGrid(list: List<Title>, open: (Title) -> Unit) {
    if (list.isEmpty()) return Text(stringResource(R.string.nothing_here), color = Palette.Muted, modifier = Modifier.padding(16.dp))
    LazyVerticalGrid(GridCells.Adaptive(110.dp), contentPadding = PaddingValues(16.dp), horizontalArrangement = Arrangement.spacedBy(12.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        items(list, key = Title::id) { t -> PosterCard(t) { open(t) } }
    }
}

@Composable
fun MyListScreen(repo: Repository, open: (Title) -> Unit) {
    val list = load(Unit) { repo.myList() }
    Column {
        RailHeader(stringResource(R.string.my_list))
        Loaded(list) { TitleGrid(it, open) }
    }
}

/** The vertical shorts feed: one short per page, swipe up for the next; tap plays it. */
@Composable
fun ShortsScreen(repo: Repository) {
    val feed = load(Unit) { repo.shorts().nodes }
    val context = LocalContext.current
    Loaded(feed) { shorts ->
        if (shorts.isEmpty()) return@Loaded Text(stringResource(R.string.nothing_here), color = Palette.Muted)
        val pager = rememberPagerState { shorts.size }
        VerticalPager(pager, Modifier.fillMaxSize()) { page ->
            val t = shorts[page]
            Box(Modifier.fillMaxSize().background(Palette.Background).clickable { context.startActivity(PlayerActivity.intent(context, t.id)) }) {
                AsyncImage((t.poster.best(600) ?: t.backdrop.best(600))?.url, t.title, Modifier.fillMaxSize(), contentScale = ContentScale.Crop)
                Column(Modifier.align(Alignment.BottomStart).padding(24.dp)) {
                    Text(t.title, color = Palette.Text, style = MaterialTheme.typography.titleLarge)
                    Text(t.synopsis, color = Palette.Text, maxLines = 3)
                }
            }
        }
    }
}

@Composable
fun SignInScreen(repo: Repository, done: () -> Unit) {
    var email by remember { mutableStateOf("") }
    var password by remember { mutableStateOf("") }
    var error by remember { mutableStateOf<String?>(null) }
    var busy by remember { mutableStateOf(false) }
    val scope = rememberCoroutineScope()
    Column(Modifier.fillMaxSize().padding(24.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text(stringResource(R.string.sign_in), color = Palette.Text, style = MaterialTheme.typography.headlineSmall)
        OutlinedTextField(email, { email = it }, Modifier.fillMaxWidth(), label = { Text(stringResource(R.string.email)) },
            singleLine = true, keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Email))
        OutlinedTextField(password, { password = it }, Modifier.fillMaxWidth(), label = { Text(stringResource(R.string.password)) },
            singleLine = true, visualTransformation = PasswordVisualTransformation(), keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password))
        error?.let { Text(it, color = Palette.Accent) }
        Button(enabled = !busy && email.isNotBlank() && password.isNotBlank(), onClick = {
            busy = true
            scope.launch {
                runCatching { repo.signIn(email.trim(), password) }
                    .onSuccess { done() }
                    .onFailure { error = it.message }
                busy = false
            }
        }, colors = ButtonDefaults.buttonColors(containerColor = Palette.Primary, contentColor = Palette.OnPrimary)) { Text(stringResource(R.string.sign_in)) }
    }
}
