package tv.marquee.app.ui

import androidx.activity.compose.BackHandler
import androidx.compose.foundation.background
import androidx.compose.foundation.border
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
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.BasicTextField
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.SolidColor
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp
import androidx.tv.material3.Button
import androidx.tv.material3.Card
import androidx.tv.material3.MaterialTheme
import androidx.tv.material3.OutlinedButton
import androidx.tv.material3.Tab
import androidx.tv.material3.TabRow
import androidx.tv.material3.Text
import androidx.tv.material3.darkColorScheme
import coil.compose.AsyncImage
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import tv.marquee.app.AppConfig
import tv.marquee.app.R
import tv.marquee.app.api.ContinueItem
import tv.marquee.app.api.Repository
import tv.marquee.app.api.Title
import tv.marquee.app.api.best
import tv.marquee.app.auth.ActivationException
import tv.marquee.app.auth.DeviceActivation
import tv.marquee.app.auth.DeviceAuthorization
import tv.marquee.app.auth.Session
import tv.marquee.app.player.PlayerActivity

sealed interface TvLoad<out T> {
    data object Loading : TvLoad<Nothing>
    data class Failed(val message: String) : TvLoad<Nothing>
    data class Done<T>(val value: T) : TvLoad<T>
}

@Composable
private fun <T> load(vararg keys: Any?, block: suspend () -> T): TvLoad<T> {
    val state by produceState<TvLoad<T>>(TvLoad.Loading, *keys) {
        value = runCatching { block() }.fold({ TvLoad.Done(it) }, { TvLoad.Failed(it.message ?: "error") })
    }
    return state
}

@Composable
private fun <T> Loaded(state: TvLoad<T>, content: @Composable (T) -> Unit) {
    when (state) {
        TvLoad.Loading -> Box(Modifier.fillMaxSize())
        is TvLoad.Failed -> Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { Text(state.message, color = Palette.Text) }
        is TvLoad.Done -> content(state.value)
    }
}

/** The 10-foot app: a tab row (Home, Search, Shorts, My List) over the screen, 48 dp overscan margins. */
@Composable
fun TvApp(repo: Repository, session: Session, activation: DeviceActivation, stack: BackStack) {
    val colors = darkColorScheme(
        primary = Palette.Primary, onPrimary = Palette.OnPrimary, secondary = Palette.Accent,
        background = Palette.Background, surface = Palette.Surface, onBackground = Palette.Text, onSurface = Palette.Text,
    )
    MaterialTheme(colorScheme = colors) {
        BackHandler(enabled = stack.screens.size > 1) { stack.pop() }
        val signedIn by session.signedIn.collectAsState()
        val tabs = listOfNotNull(
            Screen.Home to R.string.home,
            Screen.Search to R.string.search,
            if (AppConfig.SHORTS) Screen.Shorts to R.string.shorts else null,
            (if (signedIn) Screen.MyList else Screen.Activate) to R.string.my_list,
        )
        val open: (Title) -> Unit = { t ->
            stack.push(if (t.kind == "EPISODE" && t.series != null) Screen.SeriesDetails(t.series.id) else Screen.TitleDetails(t.id))
        }
        Column(Modifier.fillMaxSize().background(Palette.Background).padding(horizontal = 48.dp, vertical = 27.dp)) {
            val selected = tabs.indexOfFirst { it.first == stack.top }
            TabRow(selectedTabIndex = selected.coerceAtLeast(0)) {
                tabs.forEachIndexed { i, (screen, label) ->
                    Tab(selected = i == selected, onFocus = {}, onClick = { stack.root(screen) }) {
                        Text(stringResource(label), modifier = Modifier.padding(horizontal = 16.dp, vertical = 6.dp))
                    }
                }
            }
            Spacer(Modifier.height(16.dp))
            when (val s = stack.top) {
                Screen.Home -> TvHome(repo, signedIn, open)
                Screen.Search -> TvSearch(repo, open)
                Screen.Shorts -> TvShorts(repo)
                Screen.MyList -> TvMyList(repo, open)
                Screen.Activate -> TvActivate(repo, activation, onEmail = { stack.push(Screen.SignIn) }) { stack.root(Screen.Home) }
                Screen.SignIn -> TvSignIn(repo) { stack.root(Screen.Home) }
                is Screen.TitleDetails -> TvTitle(repo, s.id, signedIn) { stack.push(Screen.Activate) }
                is Screen.SeriesDetails -> TvSeries(repo, s.id)
            }
        }
    }
}

@Composable
private fun TvPoster(t: Title, onClick: () -> Unit) {
    Card(onClick = onClick, modifier = Modifier.width(150.dp).aspectRatio(2f / 3f)) {
        AsyncImage(t.poster.best(300)?.url, t.title, Modifier.fillMaxSize(), contentScale = ContentScale.Crop)
    }
}

@Composable
private fun TvRow(title: String, titles: List<Title>, onClick: (Title) -> Unit) {
    Column {
        Text(title, color = Palette.Text, style = MaterialTheme.typography.titleLarge, modifier = Modifier.padding(vertical = 12.dp))
        LazyRow(horizontalArrangement = Arrangement.spacedBy(16.dp), contentPadding = PaddingValues(end = 48.dp)) {
            items(titles, key = Title::id) { t -> TvPoster(t) { onClick(t) } }
        }
    }
}

@Composable
fun TvHome(repo: Repository, signedIn: Boolean, open: (Title) -> Unit) {
    val rails = load(Unit) { repo.home() }
    val continuing = load(signedIn) { if (signedIn) repo.continueWatching() else emptyList() }
    val context = LocalContext.current
    Loaded(rails) { list ->
        LazyColumn {
            val cw = (continuing as? TvLoad.Done<List<ContinueItem>>)?.value.orEmpty()
            if (cw.isNotEmpty()) item {
                TvRow(stringResource(R.string.continue_watching), cw.map { it.title }) { t ->
                    context.startActivity(PlayerActivity.intent(context, t.id))
                }
            }
            items(list, key = { it.id }) { rail -> TvRow(rail.title, rail.collection.items.nodes, open) }
        }
    }
}

@Composable
fun TvTitle(repo: Repository, id: String, signedIn: Boolean, needSignIn: () -> Unit) {
    val title = load(id) { repo.title(id) }
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    var inList by remember { mutableStateOf<Boolean?>(null) }
    LaunchedEffect(id, signedIn) { if (signedIn) inList = runCatching { repo.myList().any { it.id == id } }.getOrNull() }
    Loaded(title) { t ->
        Box(Modifier.fillMaxSize()) {
            AsyncImage(t.backdrop.best(1920)?.url, null, Modifier.fillMaxSize(), contentScale = ContentScale.Crop, alpha = 0.35f)
            Column(Modifier.width(640.dp).padding(top = 32.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
                Text(t.title, color = Palette.Text, style = MaterialTheme.typography.displaySmall)
                Text((listOfNotNull(t.releaseYear?.toString(), t.rating?.value, formatDuration(t.durationSeconds).ifEmpty { null }) + t.genres).joinToString(" · "), color = Palette.Muted)
                Text(t.synopsis, color = Palette.Text, maxLines = 6)
                Row(horizontalArrangement = Arrangement.spacedBy(16.dp)) {
                    Button(onClick = { if (signedIn) context.startActivity(PlayerActivity.intent(context, t.id)) else needSignIn() }) {
                        Text(stringResource(R.string.play))
                    }
                    if (signedIn && inList != null) OutlinedButton(onClick = {
                        val add = inList != true
                        scope.launch { runCatching { repo.setInMyList(t.id, add) }.onSuccess { inList = add } }
                    }) { Text(stringResource(if (inList == true) R.string.remove_from_my_list else R.string.add_to_my_list)) }
                }
            }
        }
    }
}

@Composable
fun TvSeries(repo: Repository, id: String) {
    val series = load(id) { repo.series(id) }
    val context = LocalContext.current
    Loaded(series) { s ->
        LazyColumn {
            item {
                Column {
                    Text(s.title, color = Palette.Text, style = MaterialTheme.typography.displaySmall)
                    Text(s.synopsis, color = Palette.Text, maxLines = 4, modifier = Modifier.width(720.dp))
                }
            }
            items(s.seasons, key = { it.id }) { season -> Column {
                Text(season.name.ifEmpty { context.getString(R.string.season, season.number) }, color = Palette.Text,
                    style = MaterialTheme.typography.titleLarge, modifier = Modifier.padding(vertical = 12.dp))
                LazyRow(horizontalArrangement = Arrangement.spacedBy(16.dp)) {
                    items(season.episodes, key = Title::id) { e ->
                        Column(Modifier.width(260.dp)) {
                            Card(onClick = { context.startActivity(PlayerActivity.intent(context, e.id)) }, modifier = Modifier.fillMaxWidth().aspectRatio(16f / 9f)) {
                                AsyncImage(e.backdrop.best(480)?.url, e.title, Modifier.fillMaxSize(), contentScale = ContentScale.Crop)
                            }
                            Text("${e.episodeNumber ?: ""}. ${e.title}", color = Palette.Text, maxLines = 1)
                        }
                    }
                }
            } }
        }
    }
}

@Composable
private fun TvField(value: String, onChange: (String) -> Unit, hint: String, password: Boolean = false) {
    Box(Modifier.width(560.dp).border(2.dp, Palette.Muted).padding(12.dp)) {
        if (value.isEmpty()) Text(hint, color = Palette.Muted)
        BasicTextField(
            value, onChange, singleLine = true,
            textStyle = TextStyle(color = Palette.Text, fontSize = 20.sp),
            cursorBrush = SolidColor(Palette.Primary),
            visualTransformation = if (password) PasswordVisualTransformation() else androidx.compose.ui.text.input.VisualTransformation.None,
            keyboardOptions = KeyboardOptions(keyboardType = if (password) KeyboardType.Password else KeyboardType.Email),
            modifier = Modifier.fillMaxWidth(),
        )
    }
}

@Composable
fun TvSearch(repo: Repository, open: (Title) -> Unit) {
    var query by remember { mutableStateOf("") }
    var results by remember { mutableStateOf<List<Title>>(emptyList()) }
    LaunchedEffect(query) {
        if (query.isBlank()) { results = emptyList(); return@LaunchedEffect }
        delay(400)
        results = runCatching { repo.search(query).nodes }.getOrDefault(emptyList())
    }
    Column {
        TvField(query, { query = it }, stringResource(R.string.search_hint))
        if (results.isNotEmpty()) TvRow(stringResource(R.string.search), results, open)
    }
}

@Composable
fun TvMyList(repo: Repository, open: (Title) -> Unit) {
    val list = load(Unit) { repo.myList() }
    Loaded(list) { titles ->
        if (titles.isEmpty()) Text(stringResource(R.string.nothing_here), color = Palette.Muted)
        else TvRow(stringResource(R.string.my_list), titles, open)
    }
}

/** Shorts on TV: the vertical feed as a column of 9:16 cards; OK plays one full screen. */
@Composable
fun TvShorts(repo: Repository) {
    val feed = load(Unit) { repo.shorts().nodes }
    val context = LocalContext.current
    Loaded(feed) { shorts ->
        LazyRow(horizontalArrangement = Arrangement.spacedBy(24.dp)) {
            items(shorts, key = Title::id) { t ->
                Column(Modifier.width(220.dp)) {
                    Card(onClick = { context.startActivity(PlayerActivity.intent(context, t.id)) }, modifier = Modifier.fillMaxWidth().aspectRatio(9f / 16f)) {
                        AsyncImage(t.poster.best(300)?.url, t.title, Modifier.fillMaxSize(), contentScale = ContentScale.Crop)
                    }
                    Text(t.title, color = Palette.Text, maxLines = 2)
                }
            }
        }
    }
}

/**
 * TV activation (RFC 8628): shows the code and where to enter it, polls
 * until the viewer approves on their phone; a new code replaces an expired one.
 */
@Composable
fun TvActivate(repo: Repository, activation: DeviceActivation, onEmail: () -> Unit, done: () -> Unit) {
    var auth by remember { mutableStateOf<DeviceAuthorization?>(null) }
    var message by remember { mutableStateOf<String?>(null) }
    var attempt by remember { mutableIntStateOf(0) }
    val expired = stringResource(R.string.activate_expired)
    val denied = stringResource(R.string.activate_denied)
    LaunchedEffect(attempt) {
        try {
            val a = activation.start()
            auth = a
            activation.await(a)
            runCatching { repo.selectDefaultProfile() }
            done()
        } catch (e: ActivationException) {
            message = if (e.code == "access_denied") denied else expired
            if (e.code == "expired_token") attempt++
        } catch (e: kotlinx.coroutines.CancellationException) {
            throw e
        } catch (e: Exception) {
            message = e.message
        }
    }
    Column(verticalArrangement = Arrangement.spacedBy(16.dp)) {
        Text(stringResource(R.string.activate_title), color = Palette.Text, style = MaterialTheme.typography.headlineMedium)
        auth?.let { a ->
            Text(stringResource(R.string.activate_steps, a.verificationUri), color = Palette.Text, style = MaterialTheme.typography.titleLarge)
            Text(a.userCode, color = Palette.Primary, style = MaterialTheme.typography.displayLarge)
        }
        message?.let { Text(it, color = Palette.Accent) }
        OutlinedButton(onClick = onEmail) { Text(stringResource(R.string.sign_in) + " · " + stringResource(R.string.email)) }
    }
}

@Composable
fun TvSignIn(repo: Repository, done: () -> Unit) {
    var email by remember { mutableStateOf("") }
    var password by remember { mutableStateOf("") }
    var error by remember { mutableStateOf<String?>(null) }
    val scope = rememberCoroutineScope()
    Column(verticalArrangement = Arrangement.spacedBy(16.dp)) {
        Text(stringResource(R.string.sign_in), color = Palette.Text, style = MaterialTheme.typography.headlineMedium)
        TvField(email, { email = it }, stringResource(R.string.email))
        TvField(password, { password = it }, stringResource(R.string.password), password = true)
        error?.let { Text(it, color = Palette.Accent) }
        Button(onClick = {
            scope.launch { runCatching { repo.signIn(email.trim(), password) }.onSuccess { done() }.onFailure { error = it.message } }
        }) { Text(stringResource(R.string.sign_in)) }
    }
}
